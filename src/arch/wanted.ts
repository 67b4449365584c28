// Which architecture a run wants, and whether this host can run it (issue 4).
// Order: -a/--arch, the command's ELF header, the program's Resources/Architecture, the host.
import os from 'node:os';
import { normalizeArch } from '../resolver/arch.js';
import { readElf } from './elf.js';
import type { FilePath } from '../util/file-path.js';

export interface WantedArch {
  arch: string;
  source: '-a' | 'ELF header' | 'Resources/Architecture' | 'host';
}

export function hostArch(): string {
  return normalizeArch(os.machine());
}

export function wantedArch(options: { flag?: string; file?: FilePath; declared?: string }): WantedArch {
  if (options.flag) return { arch: normalizeArch(options.flag), source: '-a' };
  if (options.file) {
    const elf = readElf(options.file);
    if (elf.kind === 'elf') return { arch: elf.arch, source: 'ELF header' };
  }
  if (options.declared && options.declared !== 'noarch') return { arch: options.declared, source: 'Resources/Architecture' };
  return { arch: hostArch(), source: 'host' };
}

/** The 32-bit companions a 64-bit kernel runs natively under the PER_LINUX32 personality. */
const COMPAT: Record<string, string> = { x86_64: 'i686', aarch64: 'arm' };

/** 'native', 'linux32' (run under the 32-bit personality), or undefined when the host cannot run it. */
export function howToRun(arch: string, host = hostArch()): 'native' | 'linux32' | undefined {
  if (arch === host || arch === 'noarch') return 'native';
  return COMPAT[host] === arch ? 'linux32' : undefined;
}
