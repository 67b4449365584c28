// `Runner --desktop TARGET`: for each desktop file of a program (Name, Name/Version) or for one
// .desktop file, write a copy to $XDG_DATA_HOME/applications whose Exec, and every Desktop
// Action's Exec, runs the original Exec line inside the program's pinned view:
//   Exec=Runner --with NAME/VERSION -- <the original Exec, quoting and field codes as they were>
// so wrappers (`sh -c "… exec emacsclient …"`, `env VAR=x cmd`) are pinned too. An entry that
// the desktop would start over D-Bus (DBusActivatable=true) bypasses Exec, so the copy turns that
// off. `--remove` takes the copies away again.
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { ExitCode, RunnerError } from '../base/errors.js';
import type { World } from '../resolver/programs.js';
import { anyTarget } from '../run/target.js';
import { xdgDir } from '../base/xdg.js';
import { writeAtomically } from '../base/atomic-write.js';
import { makeDirectories } from '../base/directories.js';
import { absolutePath } from '../base/file-path.js';
import { ExecError, formatExecValue, parseExecValue } from './exec-line.js';

/** Marks our copies, so that --remove never deletes a file we did not write. */
export const SOURCE_KEY = 'X-GoboLinux-Runner-Source';

export interface DesktopSource {
  file: string;
  /** The version directory whose bin/ pins relative commands, if the file belongs to a program. */
  versionDir: string | undefined;
  /** The program version the file belongs to: its view is the one the entry runs in. */
  program: { name: string; version: string } | undefined;
}

export function applicationsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(xdgDir('XDG_DATA_HOME', '.local/share', env), 'applications');
}

/** A desktop file is line-based: a control character in a name or value could start a new key. */
function refuseControls(what: string, value: string): void {
  if (/[\x00-\x1f\x7f]/.test(value))
    throw new RunnerError(
      `${what} contains a control character; refusing to write it into a desktop file`,
      ExitCode.badMetadata,
    );
}

/** Whether a file at `written` is one of our copies (only those may be replaced or removed). */
function ours(written: string): boolean | undefined {
  const stat = fs.lstatSync(written, { throwIfNoEntry: false });
  if (stat === undefined) return undefined;
  if (!stat.isFile()) return false;
  return fs.readFileSync(written, 'utf8').includes(`\n${SOURCE_KEY}=`);
}

export function desktopSources(world: World, target: string): DesktopSource[] {
  if (target.endsWith('.desktop') && fs.existsSync(target)) {
    const owner = world.owner(fs.realpathSync(target));
    return [
      { file: absolutePath(target), versionDir: owner && world.versionDir(owner.name, owner.version), program: owner },
    ];
  }
  const program = anyTarget(world, target).program;
  if (!program) throw new RunnerError(`${target}: not a program under ${world.paths.programs}`, ExitCode.notFound);
  const versionDir = world.versionDir(program.name, program.version);
  const files = fg.sync('share/applications/**/*.desktop', { cwd: versionDir, absolute: true }).sort();
  if (files.length === 0)
    throw new RunnerError(`${program.name} ${program.version} has no share/applications/*.desktop`, ExitCode.notFound);
  return files.map((file) => ({ file, versionDir, program }));
}

/** A relative command that the program's own bin/ has becomes that absolute path (pins the version). */
function pin(command: string, versionDir: string | undefined): string {
  if (!versionDir || command.includes('/')) return command;
  const candidate = path.join(versionDir, 'bin', command);
  return fs.existsSync(candidate) ? candidate : command;
}

export interface RewriteOptions {
  /** The command words that start Runner, e.g. [/path/to/bin/Runner, --root, DIR]. */
  runner: string[];
  versionDir: string | undefined;
  program: { name: string; version: string } | undefined;
  source: string;
  /** Told what was changed beyond Exec lines (for -v). */
  note?: (message: string) => void;
}

/** Rewrites one desktop file's text: Exec and TryExec in every group, plus our marker key. */
export function rewriteDesktop(text: string, options: RewriteOptions): string {
  let group = '';
  const out: string[] = [];
  text.split('\n').forEach((line, index) => {
    const header = /^\[(.+)\]\s*$/.exec(line);
    if (header) {
      group = header[1];
      out.push(line);
      if (group === 'Desktop Entry') out.push(`${SOURCE_KEY}=${options.source}`);
      return;
    }
    if (group === 'Desktop Entry' && /^DBusActivatable\s*=\s*true\s*$/.test(line)) {
      out.push('DBusActivatable=false');
      options.note?.(
        `${options.source}: DBusActivatable turned off in the copy, so that the desktop starts it through Runner`,
      );
      return;
    }
    const key = /^(Exec|TryExec)\s*=\s*(.*)$/.exec(line);
    if (!key || !(group === 'Desktop Entry' || group.startsWith('Desktop Action '))) {
      if (!line.startsWith(`${SOURCE_KEY}=`)) out.push(line);
      return;
    }
    if (key[1] === 'TryExec') {
      out.push(`TryExec=${pin(key[2].trim(), options.versionDir)}`);
      return;
    }
    let args: string[];
    try {
      args = parseExecValue(key[2]);
    } catch (error) {
      if (!(error instanceof ExecError)) throw error;
      throw new RunnerError(`${options.source}:${index + 1}: ${error.message}`, ExitCode.badMetadata);
    }
    if (args.length === 0) throw new RunnerError(`${options.source}:${index + 1}: empty Exec`, ExitCode.badMetadata);
    // The original line runs as written, inside the program's view when the file belongs to one.
    const { program } = options;
    const view = program ? ['--with', `${program.name}/${program.version}`, '--'] : [];
    out.push(`Exec=${formatExecValue([...options.runner, ...view, ...args])}`);
  });
  return out.join('\n');
}

export interface DesktopChange {
  source: string;
  written: string;
}

/**
 * Writes our copies. A file of the same name that Runner did not write (no marker), or a symlink
 * standing there, is never replaced: that is the user's. Each copy is written to a fresh temporary
 * file and renamed into place, so nothing is written through a link.
 */
export function installDesktop(
  sources: DesktopSource[],
  runner: string[],
  dir = applicationsDir(),
  note?: (message: string) => void,
): DesktopChange[] {
  for (const word of runner) refuseControls(`the Runner command '${word}'`, word);
  const planned = sources.map(({ file, versionDir, program }) => {
    refuseControls(`the file name ${JSON.stringify(file)}`, file);
    const written = path.join(dir, path.basename(file));
    if (ours(written) === false)
      throw new RunnerError(
        `${written} exists and was not written by Runner; move it away (or remove it) and run again`,
        ExitCode.usage,
      );
    return {
      file,
      written,
      text: rewriteDesktop(fs.readFileSync(file, 'utf8'), { runner, versionDir, program, source: file, note }),
    };
  });
  makeDirectories(dir);
  return planned.map(({ file, written, text }) => {
    writeAtomically(dir, path.basename(written), text, 0o644);
    return { source: file, written };
  });
}

export function removeDesktop(sources: DesktopSource[], dir = applicationsDir()): DesktopChange[] {
  const removed: DesktopChange[] = [];
  for (const { file } of sources) {
    const written = path.join(dir, path.basename(file));
    if (!ours(written)) continue;
    fs.rmSync(written);
    removed.push({ source: file, written });
  }
  return removed;
}
