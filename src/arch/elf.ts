// A minimal ELF header reader: class, machine and PT_INTERP, nothing more. Every malformed input
// gives a value saying what is wrong; it never throws (the file may be hostile).
import fs from 'node:fs';
import { pathKey, type FilePath } from '../base/file-path.js';
import { withFileOpen } from '../base/file-head.js';

export type ElfInfo =
  | { kind: 'elf'; bits: 32 | 64; machine: number; arch: string; interpreter: string | undefined }
  | { kind: 'not-elf' }
  | { kind: 'truncated'; what: string }
  | { kind: 'unreadable'; error: string };

const MACHINES: Record<number, string> = {
  3: 'i686',
  62: 'x86_64',
  40: 'arm',
  183: 'aarch64',
  243: 'riscv64',
  21: 'ppc64',
};
const PT_INTERP = 3;
/** Program headers beyond this many are not looked at (real binaries have a dozen). */
const MAX_PHNUM = 256;

export function archOfMachine(machine: number): string {
  return MACHINES[machine] ?? `machine-${machine}`;
}

/** Reads `size` bytes at `offset` of the whole file, for data beyond the bytes already read. */
export type Fetch = (offset: number, size: number) => Uint8Array;

export function parseElf(
  bytes: Uint8Array,
  fetch: Fetch = (offset, size) => bytes.subarray(offset, offset + size),
): ElfInfo {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    return { kind: 'not-elf' };
  if (bytes.length < 52) return { kind: 'truncated', what: 'ELF header' };
  const bits = bytes[4] === 1 ? 32 : bytes[4] === 2 ? 64 : undefined;
  const little = bytes[5] === 1 ? true : bytes[5] === 2 ? false : undefined;
  if (bits === undefined || little === undefined) return { kind: 'not-elf' };
  if (bits === 64 && bytes.length < 64) return { kind: 'truncated', what: 'ELF header' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const word = (at: number) => (bits === 64 ? Number(view.getBigUint64(at, little)) : u32(at));
  const machine = u16(18);
  const phoff = word(bits === 64 ? 32 : 28);
  const phentsize = u16(bits === 64 ? 54 : 42);
  const phnum = Math.min(u16(bits === 64 ? 56 : 44), MAX_PHNUM);
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (phentsize < (bits === 64 ? 56 : 32) || at + phentsize > bytes.length)
      return { kind: 'truncated', what: 'program headers' };
    if (u32(at) !== PT_INTERP) continue;
    const offset = word(at + (bits === 64 ? 8 : 4));
    const size = word(at + (bits === 64 ? 32 : 16));
    // The interpreter string may sit anywhere in the file (glibc's own libc keeps it far in).
    const text = size > 0 && size <= 4096 ? fetch(offset, size) : new Uint8Array();
    if (text.length !== size || size === 0) return { kind: 'truncated', what: 'PT_INTERP' };
    interpreter = Buffer.from(text).toString('latin1').replace(/\0.*$/s, '');
  }
  return { kind: 'elf', bits, machine, arch: archOfMachine(machine), interpreter };
}

const read = new Map<string, ElfInfo>();

/**
 * Reads the start of a file (headers and interpreter live in the first pages) and parses it.
 * Once per file and run: the architecture, the loader placement and the exec plan all ask.
 */
export function readElf(file: FilePath, limit = 64 * 1024): ElfInfo {
  const key = pathKey(file);
  let info = read.get(key);
  if (info === undefined) read.set(key, (info = readElfFile(file, limit)));
  return info;
}

function readElfFile(file: FilePath, limit: number): ElfInfo {
  try {
    return withFileOpen(file, (fd) => {
      const buffer = Buffer.alloc(limit);
      const length = fs.readSync(fd, buffer, 0, limit, 0);
      const fetch: Fetch = (offset, size) => {
        if (offset + size <= length) return buffer.subarray(offset, offset + size);
        const far = Buffer.alloc(size);
        return far.subarray(0, fs.readSync(fd, far, 0, size, offset));
      };
      return parseElf(buffer.subarray(0, length), fetch);
    });
  } catch (error) {
    return { kind: 'unreadable', error: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}
