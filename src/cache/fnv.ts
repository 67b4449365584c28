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

/**
 * FNV-1a, 64 bits, over `bytes` as they are: the plan cache's checksum over a whole entry (a flipped
 * byte anywhere makes the entry a miss). In two 32-bit halves, exact in doubles, because a BigInt
 * step per byte would cost seconds on the largest entries.
 */
export function fnv1a64Bytes(bytes: Uint8Array): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    // × 0x100000001b3 = × 0x1b3 plus a shift by 40 bits (lo's low 24 bits into hi's top).
    const low = lo * 0x1b3;
    const carry = Math.floor(low / 0x100000000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % 0x100000000;
    lo = low % 0x100000000;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
