// FNV-1a, 64 bits, over byte strings each followed by a NUL (as addon/cache.cc hashes a plan
// cache key): short file names for cache files, not a security measure (entries are checked).
export function fnv1a64(chunks: readonly Uint8Array[]): string {
  let hash = 0xcbf29ce484222325n;
  for (const bytes of chunks) {
    for (const byte of [...bytes, 0]) {
      hash ^= BigInt(byte);
      hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  }
  return hash.toString(16).padStart(16, '0');
}
