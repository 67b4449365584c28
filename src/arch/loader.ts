// Real 32-bit programs ask for their loader by absolute path: PT_INTERP is `/lib/ld-linux.so.2`.
// On GoboLinux /lib is the Index; elsewhere it is the host's, which may have no i386 loader, or
// one of another glibc build than the tree's libc. So for a run on a foreign architecture the
// view puts the tree's loader at the program's own interpreter path:
//   - the path resolves to a file on the host: the tree's loader is bind-mounted onto that file;
//   - it does not (missing, or a link that dangles): the directory where the kernel would look
//     for it (following the links) is overlaid, its host content kept, and the loader is bound
//     onto a new file there.
// Only for foreign architectures: a native loader is every host program's loader too.
import fs from 'node:fs';
import path from 'node:path';
import type { Layer } from '../resolver/layers.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { readElf } from './elf.js';
import { displayPath, type FilePath } from '../base/file-path.js';

export interface LoaderPlacement {
  /** The tree's loader file. */
  source: string;
  /** Where the program's interpreter path leads on the host (a file to bind onto, or to create). */
  target: string;
  /** The directory to overlay first when `target` does not exist. */
  createIn: string | undefined;
}

/** Follows `p`'s symlinks as the kernel would, as far as they lead: the final path, existing or not. */
function followLinks(p: string): string {
  let at = p;
  for (let hops = 0; hops < 40; hops++) {
    const stat = fs.lstatSync(at, { throwIfNoEntry: false });
    if (stat === undefined) {
      // The last component is missing: resolve the directory it would be in.
      const dir = path.dirname(at);
      const real = fs.existsSync(dir) ? fs.realpathSync.native(dir) : dir;
      return path.join(real, path.basename(at));
    }
    if (!stat.isSymbolicLink()) return fs.realpathSync.native(at);
    at = path.resolve(path.dirname(at), fs.readlinkSync(at));
  }
  return at;
}

/**
 * The first of `libDirs` that holds a loader called `name`: a regular file, through a symlink too
 * (Glibc before 2.34 ships `ld-linux.so.2 -> ld-2.xx.so`), as the kernel opens it. `--check`
 * asks this too, so that it says what a launch would find.
 */
export function loaderIn(libDirs: readonly string[], name: string): string | undefined {
  for (const dir of libDirs) {
    const candidate = path.join(dir, name);
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  return undefined;
}

/** The first layer that has a loader of this name in its lib directories. */
function loaderInLayers(layers: readonly Layer[], name: string): string | undefined {
  return loaderIn(
    layers.flatMap((layer) => layer.feeds.lib ?? []),
    name,
  );
}

/**
 * Where the tree's loader must appear for `file` to start, or undefined when nothing needs
 * placing (not an ELF with an interpreter, or one inside the tree). Exit 123 when neither the
 * tree nor the host has the loader the program asks for.
 */
export function placeLoader(
  file: FilePath,
  arch: string,
  layers: readonly Layer[],
  treeRoots: readonly string[],
): LoaderPlacement | undefined {
  const elf = readElf(file);
  if (elf.kind !== 'elf' || !elf.interpreter || !path.isAbsolute(elf.interpreter)) return undefined;
  const interpreter = elf.interpreter;
  if (treeRoots.some((r) => interpreter.startsWith(r + path.sep))) return undefined;
  const source = loaderInLayers(layers, path.basename(interpreter));
  const target = followLinks(interpreter);
  const onHost = fs.statSync(target, { throwIfNoEntry: false })?.isFile() ?? false;
  if (!source) {
    if (onHost) return undefined;
    throw new RunnerError(
      `${displayPath(file)} asks for the ${arch} loader ${interpreter}, which neither the tree's ${arch} programs nor this host provide`,
      ExitCode.architecture,
    );
  }
  if (onHost) return { source, target, createIn: undefined };
  const dir = path.dirname(target);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new RunnerError(
      `${displayPath(file)} asks for the ${arch} loader ${interpreter}; ${dir} does not exist on this host, so the tree's loader cannot be put there`,
      ExitCode.architecture,
    );
  return { source, target, createIn: dir };
}
