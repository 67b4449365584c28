// Architecture names as Resources/Architecture and `-a` write them.
export function normalizeArch(word: string): string {
  const lower = word.trim().toLowerCase();
  if (/^i[3-6]86$/.test(lower)) return 'i686';
  if (lower === 'amd64') return 'x86_64';
  if (lower === 'arm64') return 'aarch64';
  return lower;
}

/** `noarch` and a missing Architecture file fit any wanted architecture. */
export function archFits(declared: string | undefined, wanted: string): boolean {
  return declared === undefined || declared === 'noarch' || declared === wanted;
}
