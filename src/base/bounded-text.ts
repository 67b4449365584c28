// Text from a tree, bounded for messages: a name or line may be megabytes long, and a program may
// have thousands of versions; a message stays a few KB whatever the tree holds.

/** `text` if at most `max` characters, else its start and end around '…' (the ends say the most). */
export function cutMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

/**
 * `a, b or c`; past `max` items, the first `max` and a count of the rest: `a, b, c, d … or 9,996
 * more versions` (`noun` names the rest, `word` joins the last: 'or', 'and').
 */
export function listWithCount(items: readonly string[], max: number, word: 'or' | 'and', noun: string): string {
  if (items.length <= 1) return items[0] ?? '';
  if (items.length <= max) return `${items.slice(0, -1).join(', ')} ${word} ${items.at(-1)}`;
  return `${items.slice(0, max).join(', ')} … ${word} ${(items.length - max).toLocaleString('en-US')} more ${noun}`;
}
