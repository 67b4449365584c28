// A file with thousands of malformed lines (a hostile tree, a log pasted into Dependencies) must not
// bury the program's own output in warnings on every launch: a file's first few are said, and one
// line counts the rest.
export const WARNINGS_PER_FILE = 10;

/** `warnings`, all about `file`: the first WARNINGS_PER_FILE of them, then one line for the rest. */
export function cappedWarnings(file: string, warnings: readonly string[]): string[] {
  if (warnings.length <= WARNINGS_PER_FILE) return [...warnings];
  const rest = warnings.length - WARNINGS_PER_FILE;
  return [
    ...warnings.slice(0, WARNINGS_PER_FILE),
    `${file}: ${rest} more ${rest === 1 ? 'problem' : 'problems'} like these not shown (${warnings.length} in all)`,
  ];
}
