// FNV-1a, 64 bits: short file names for cache files (not a security measure: entries are checked)
// and the plan cache's checksum over a whole entry. addon/cache.cc computes the same.

/**
 * FNV-1a 64 over `bytes` as they are, in 16 hex digits. In two 32-bit halves, exact in doubles,
 * because a BigInt step per byte would cost seconds on the largest entries.
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

/** FNV-1a 64 over byte strings each followed by a NUL (as addon/cache.cc hashes a plan cache key). */
export function fnv1a64(chunks: readonly Uint8Array[]): string {
  return fnv1a64Bytes(Buffer.concat(chunks.flatMap((chunk) => [chunk, NUL])));
}

const NUL = new Uint8Array(1);
