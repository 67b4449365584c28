// Where the GoboLinux tree lives: `/` on GoboLinux, any directory with `--root` elsewhere.
import path from 'node:path';

/**
 * Index directory → the directories of a program version that feed it, in order: what
 * SymlinkProgram links into the Index, and so what a view layers onto it (docs/tree-and-plan.md).
 */
export const INDEX_SOURCES: Readonly<Record<string, readonly string[]>> = {
  bin: ['bin', 'sbin', 'Resources/Wrappers'],
  include: ['include'],
  lib: ['lib', 'lib64'],
  libexec: ['libexec'],
  share: ['share'],
};

export const INDEX_DIRS = Object.keys(INDEX_SOURCES);

export interface GoboPaths {
  root: string;
  programs: string;
  index: string;
  settings: string;
  /** AlienVFS: `<Manager>:<Module>/<Version>/` for each installed language module version. */
  aliens: string;
  /** The language managers' own prefixes, `<Manager>/` each (GoboLinux's /System/Aliens). */
  alienPrefixes: string;
}

/** An Alien (language module) name: `Manager:Module`, as `PIP3:mako` or `CPAN:XML::Parser`. */
export function isAlien(name: string): boolean {
  return name.includes(':');
}

/**
 * `--root DIR` puts everything under DIR. Without it, GoboLinux's own variables (goboPrograms,
 * goboIndex, goboSettings, goboSystem, as GoboPath exports them) win over the defaults.
 */
export function goboPaths(
  root: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  aliens: string | undefined = env.RUNNER_ALIENS || undefined,
): GoboPaths {
  if (root !== undefined) {
    const base = path.resolve(root);
    return {
      root: base,
      programs: path.join(base, 'Programs'),
      index: path.join(base, 'System/Index'),
      settings: path.join(base, 'System/Settings'),
      aliens: path.resolve(aliens ?? path.join(base, 'Mount/AlienVFS')),
      alienPrefixes: path.join(base, 'System/Aliens'),
    };
  }
  return {
    root: '/',
    programs: path.resolve(env.goboPrograms ?? '/Programs'),
    index: path.resolve(env.goboIndex ?? '/System/Index'),
    settings: path.resolve(env.goboSettings ?? '/System/Settings'),
    aliens: path.resolve(aliens ?? '/Mount/AlienVFS'),
    alienPrefixes: path.join(path.resolve(env.goboSystem ?? '/System'), 'Aliens'),
  };
}
