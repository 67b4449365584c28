// Which architecture a run wants, and whether this host can run it (issue 4).
// Order: -a/--arch, the command's ELF header, the program's Resources/Architecture, the ELF
// headers of the program's own commands (bin, sbin, Resources/Wrappers) (a target named, not a
// command: `--resolve Hello` decides as `Runner hello` would), the host.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeArch } from '../resolver/arch.js';
import { INDEX_SOURCES } from '../resolver/paths.js';
import { readElf } from './elf.js';
import type { FilePath } from '../base/file-path.js';

export interface WantedArch {
  arch: string;
  source: '-a' | 'ELF header' | 'Resources/Architecture' | 'ELF headers of its commands' | 'host';
}

/** Commands looked at for a program named without one: enough for any real bin directory's ELFs. */
const MAX_COMMANDS = 64;

/** The files of a program version's command directories (what its Index bin is made of), by name, at most 64. */
export function programCommands(versionDir: string): string[] {
  const files: string[] = [];
  for (const sub of INDEX_SOURCES.bin) {
    const dir = path.join(versionDir, sub);
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names.slice(0, MAX_COMMANDS - files.length)) files.push(path.join(dir, name));
  }
  return files;
}

export function hostArch(): string {
  return normalizeArch(os.machine());
}

export function wantedArch(options: {
  flag?: string;
  file?: FilePath;
  declared?: string;
  commands?: () => readonly string[];
}): WantedArch {
  if (options.flag) return { arch: normalizeArch(options.flag), source: '-a' };
  if (options.file) {
    const elf = readElf(options.file);
    if (elf.kind === 'elf') return { arch: elf.arch, source: 'ELF header' };
  }
  if (options.declared && options.declared !== 'noarch')
    return { arch: options.declared, source: 'Resources/Architecture' };
  if (!options.file) {
    // readElf opens without following a FIFO's block and reads only a regular file's head.
    for (const command of options.commands?.() ?? []) {
      const elf = readElf(command);
      if (elf.kind === 'elf') return { arch: elf.arch, source: 'ELF headers of its commands' };
    }
  }
  return { arch: hostArch(), source: 'host' };
}

/** The 32-bit companions a 64-bit kernel runs natively under the PER_LINUX32 personality. */
const COMPAT: Record<string, string> = { x86_64: 'i686', aarch64: 'arm' };

/** 'native', 'linux32' (run under the 32-bit personality), or undefined when the host cannot run it. */
export function howToRun(arch: string, host = hostArch()): 'native' | 'linux32' | undefined {
  if (arch === host || arch === 'noarch') return 'native';
  return COMPAT[host] === arch ? 'linux32' : undefined;
}
