// --list, --enter, --kill, --rename: the named views of the caller, as the kernel shows them.
import fs from 'node:fs';
import os from 'node:os';
import { ExitCode, RunnerError } from '../base/errors.js';
import { applyEnvOps } from '../run/execute.js';
import { startOperations } from '../run/launch.js';
import { commandOperations, list, type Token } from '../overlay/serialize.js';
import { info, out, outText } from '../base/output.js';
import type { Options } from './options.js';
import { checkName, splitFullName } from '../views/names.js';
import { joinCgroup, joinOperation, liveViews, viewOfSelf, type LiveView } from '../views/members.js';
import { groupsOf, userName } from '../views/accounts.js';
import { claimName, otherRegistries, registryDir, releaseName, writeRecord } from '../views/registry.js';
import { exactEnv, exactWord, rawArguments } from '../base/raw-args.js';
import {
  displayPath,
  fromBytes,
  hasSlash,
  isAbsolute,
  joinPath,
  searchPath,
  workingDirectory,
  type FilePath,
} from '../base/file-path.js';

/**
 * The views the caller can address, by the names it knows them by. Inside a view, that is the views
 * started in it, named relative to it (`test` inside `build`): a process never leaves its view, so
 * nothing outside is visible. Outside, the caller's own views, and for root every user's too
 * (named `~user/name`).
 */
export function visibleViews(): LiveView[] {
  const own = liveViews(registryDir());
  const here = viewOfSelf(own);
  if (here) {
    const prefix = `${here.fullName}/`;
    return own
      .filter((v) => v.fullName.startsWith(prefix))
      .map((v) => ({ ...v, fullName: v.fullName.slice(prefix.length) }));
  }
  const others = otherRegistries().flatMap(({ dir, owner }) => liveViews(dir, owner, `~${userName(owner)}/`));
  return [...own, ...others];
}

/** A view's name without root's `~user/` prefix, for checking its components. */
const bareName = (name: string) => (name.startsWith('~') ? name.slice(name.indexOf('/') + 1) : name);

/** --kill waits this long for the default SIGTERM to work, then sends SIGKILL. */
const GRACE_MS = 5_000;

/**
 * The view of that full name; or, for a name that no view has, the view of that id (a record
 * whose name was forged is listed escaped, and can be addressed by either).
 */
function findView(views: readonly LiveView[], fullName: string): LiveView {
  const view =
    views.find((v) => v.fullName === fullName) ??
    (/^[0-9a-f]{16}$/.test(fullName) ? views.find((v) => v.record.id === fullName) : undefined);
  if (view) return view;
  splitFullName(bareName(fullName));
  throw new RunnerError(`no live view named '${fullName}' (see Runner --list)`, ExitCode.notFound);
}

export function listAction(options: Options): number {
  const views = visibleViews();
  if (options.json) {
    out(
      JSON.stringify(
        views.map((v) => ({
          name: v.fullName,
          processes: v.members,
          program: v.record.program,
          versions: v.record.versions,
          architecture: v.record.arch,
          started: v.record.started,
          rootless: v.record.rootless,
        })),
      ),
    );
    return ExitCode.ok;
  }
  for (const v of views) {
    const depth = bareName(v.fullName).split('/').length - 1;
    const versions =
      Object.entries(v.record.versions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([n, ver]) => `${n} ${ver}`)
        .join(', ') || 'no programs';
    const count = `${v.members.length} process${v.members.length === 1 ? '' : 'es'}`;
    const owner = v.fullName.startsWith('~') && depth === 0 ? v.fullName.slice(0, v.fullName.indexOf('/') + 1) : '';
    // Everything here comes from a record its owner could write: escaped, so that a newline
    // cannot print a line of its own (outText escapes the rest).
    const forged = v.record.forged ? ` (a name no --name gives; id ${v.record.id})` : '';
    outText(
      `${'  '.repeat(depth)}${owner}${v.record.name}${forged}  ${v.record.rootless ? 'rootless' : 'root'}, ${count}, ${v.record.program} (${v.record.arch}) with ${versions}, since ${v.record.started}`.replace(
        /\n/g,
        '\\n',
      ),
    );
  }
  return ExitCode.ok;
}

/**
 * COMMAND as the view's PATH finds it, looked up in the view's own file system (/proc/PID/root);
 * bytes where a name is not UTF-8 (base/file-path.ts).
 */
function findInLiveView(view: LiveView, word: FilePath, viewPath: FilePath): FilePath {
  if (hasSlash(word)) return word;
  const root = `/proc/${view.holder ?? view.members[0]}/root`;
  for (const dir of searchPath(viewPath).filter(isAbsolute)) {
    const inView = joinPath(dir, word);
    const seen = joinPath(root, inView);
    try {
      fs.accessSync(seen, fs.constants.X_OK);
      if (fs.statSync(seen).isFile()) return inView;
    } catch {
      continue;
    }
  }
  throw new RunnerError(`${displayPath(word)}: command not found in view '${view.fullName}'`, ExitCode.notFound);
}

export function enterAction(options: Options): never {
  const view = findView(visibleViews(), options.enter as string);
  const shell = exactEnv('SHELL') || '/bin/sh';
  const raw = options.rest.length > 0 ? rawArguments().slice(-options.rest.length) : [Buffer.from(shell)];
  const word = options.rest.length > 0 ? exactWord(options.rest, 0) : shell;
  // The view's PATH as the executor will make it of the caller's (bytes where not UTF-8).
  const viewPath = applyEnvOps(view.record.envOps, { ...process.env, PATH: exactEnv('PATH') }).bytes.get('PATH');
  const file = findInLiveView(view, word, viewPath === undefined ? '' : fromBytes(viewPath));
  joinCgroup(view);
  const ops: Token[][] = [];
  // Root entering a user's view enters as that user (see the executor's creds).
  if (view.owner !== process.getuid?.()) {
    const { gid, groups } = groupsOf(view.owner);
    ops.push(['creds', String(view.owner), gid, ...list(groups)]);
  }
  ops.push(joinOperation(view));
  const asRecorded = { personality: undefined, rootless: view.record.rootless, envOps: view.record.envOps };
  for (const item of commandOperations(asRecorded, { file, missing: 'it was not found in the view' }, raw, [
    ['chdir', workingDirectory()],
  ]))
    ops.push(item);
  return startOperations(ops);
}

function signalNumber(name: string | undefined): NodeJS.Signals {
  const wanted = (name ?? 'TERM').toUpperCase().replace(/^SIG/, '');
  const signals = os.constants.signals as Record<string, number>;
  const byNumber = Object.keys(signals).find((s) => String(signals[s]) === wanted);
  const signal = byNumber ?? (signals[`SIG${wanted}`] !== undefined ? `SIG${wanted}` : undefined);
  if (!signal) throw new RunnerError(`--signal ${name}: not a signal`, ExitCode.usage);
  return signal as NodeJS.Signals;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The processes of `fullName` and of the views inside it, as the kernel shows them now. */
function processesOf(fullName: string): number[] {
  const views = visibleViews().filter((v) => v.fullName === fullName || v.fullName.startsWith(`${fullName}/`));
  return [...new Set(views.flatMap((v) => v.members))].filter((pid) => pid !== process.pid);
}

export async function killAction(options: Options): Promise<number> {
  // A signal that does not exist is a usage error whether or not the view does.
  let signal = signalNumber(options.signal);
  const fullName = findView(visibleViews(), options.kill as string).fullName;
  let deadline = Date.now() + GRACE_MS;
  for (;;) {
    const pids = processesOf(fullName);
    if (pids.length === 0) return ExitCode.ok;
    // Every round: a process forked since the last one gets the signal too.
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
    if (Date.now() > deadline) {
      if (options.signal !== undefined || signal === 'SIGKILL')
        throw new RunnerError(
          `view '${fullName}': ${pids.length} process(es) still running after ${options.signal ?? 'SIGKILL'}`,
          ExitCode.checkFailed,
        );
      info(`view '${fullName}': ${pids.length} process(es) still running after SIGTERM; sending SIGKILL`);
      signal = 'SIGKILL';
      deadline = Date.now() + GRACE_MS;
    }
    await sleep(50);
  }
}

export function renameAction(options: Options): number {
  const [from, to] = options.rest;
  const views = visibleViews();
  const view = findView(views, from);
  if (view.owner !== process.getuid?.())
    throw new RunnerError(`view '${from}' is another user's; only they can rename it`, ExitCode.usage);
  const parentName = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
  const leaf = to.includes('/') && parentName && to.startsWith(`${parentName}/`) ? to.slice(parentName.length + 1) : to;
  checkName(leaf);
  const target = parentName ? `${parentName}/${leaf}` : leaf;
  if (views.some((v) => v.fullName === target))
    throw new RunnerError(`a view named '${target}' is running already`, ExitCode.usage);
  // The new name is claimed as a new view's would be (registry.ts: claimName), then the old let go.
  const { parent, name, id } = view.record;
  if (claimName(view.dir, parent, leaf, id, (other) => views.some((v) => v.record.id === other)) !== undefined)
    throw new RunnerError(`a view named '${target}' is being made`, ExitCode.usage);
  writeRecord(view.dir, { ...view.record, name: leaf });
  if (!view.record.forged) releaseName(view.dir, parent, name, id);
  return ExitCode.ok;
}
