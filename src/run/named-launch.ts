// `Runner --name NAME COMMAND`: start COMMAND in the view named NAME, or in that view as it runs:
// joined when it holds everything COMMAND needs, grown (new layers on top, for the whole view)
// when it lacks programs, refused (120) when it holds another version of one of them.
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedRun } from './resolve.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { sleepSync } from '../base/sleep.js';
import { findConflicts, upperDirectories } from '../overlay/conflicts.js';
import { startOperations } from './launch.js';
import { scanLayer } from '../resolver/layers.js';
import type { MountPlan } from '../overlay/plan.js';
import { commandOperations, mountOperations, planOperations, type Token } from '../overlay/serialize.js';
import { checkName } from '../views/names.js';
import { joinCgroup, joinOperation, liveViews, ownCgroup, viewOfSelf, type LiveView } from '../views/members.js';
import {
  claimName,
  newId,
  paths,
  registryDir,
  stageGrowth,
  writeRecord,
  type MountState,
  type ViewRecord,
} from '../views/registry.js';
import { isUnder, workingDirectory, type FilePath } from '../base/file-path.js';

type Version = { name: string; version: string; path: string };

function versionMap(versions: readonly Version[]): Record<string, string> {
  return Object.fromEntries(versions.map((v) => [v.name, v.version]));
}

/** A view of its own: the plan plus its write layer attached (for growing), the real Index kept, its ids recorded. */
function create(
  dir: string,
  id: string,
  name: string,
  parent: LiveView | undefined,
  plan: MountPlan,
  run: ResolvedRun,
  chosen: readonly Version[],
): never {
  const p = paths(dir, id);
  // A named view's plan overlays every Index directory (overlayEvery); the executor numbers the
  // overlays in plan order (N.upper is the Nth's write layer) and keeps each real directory.
  const kept = (target: string) => path.join(p.mnt, `index-${path.basename(target)}`);
  const mounts: MountState[] = plan.mounts.map((m, at) => ({
    target: m.target,
    layers: m.layers.map((l) => (l === m.target ? kept(m.target) : l)),
    upper: path.join(p.mnt, `${at}.upper`),
  }));
  const cgroupBase = plan.rootless ? undefined : ownCgroup();
  const record: ViewRecord = {
    id,
    name,
    parent: parent?.record.id ?? null,
    uid: process.getuid?.() ?? 0,
    rootless: plan.rootless,
    started: new Date().toISOString(),
    program: run.program ? `${run.program.name} ${run.program.version}` : run.target.via,
    versions: versionMap(chosen),
    arch: run.architecture,
    envOps: plan.envOps,
    mounts,
    generation: 0,
    cgroup: cgroupBase ? path.join(cgroupBase, `runner-view-${id}`) : undefined,
  };
  // The record first: a creation killed after it leaves a record without namespaces, which the
  // next look removes with its directory; killed before, nothing (registry.ts: readRecords).
  writeRecord(dir, record);
  fs.mkdirSync(p.mnt, { mode: 0o700 });
  if (record.cgroup) {
    fs.mkdirSync(record.cgroup);
    fs.writeFileSync(path.join(record.cgroup, 'cgroup.procs'), String(process.pid));
  }
  const named = {
    afterWriteLayer: [
      ['attach', p.mnt],
      ...plan.mounts.map((m) => ['keepindex', m.target, path.basename(kept(m.target))]),
    ],
    beforeEnvironment: [['nsid', p.ns]],
  };
  return startOperations(planOperations(plan, plan.exec.argv, named));
}

/** The operations that run COMMAND in a live view, growing it by `grow` first. */
function joinOperations(
  view: LiveView,
  dir: string,
  plan: MountPlan,
  grow:
    | {
        prefix: string;
        mounts: MountState[];
        removals: FilePath[];
        upperDirectories: FilePath[];
        commit: [string, string];
      }
    | undefined,
): Token[][] {
  const ops: Token[][] = [joinOperation(view)];
  if (grow) {
    ops.push(['writelayer', paths(dir, view.record.id).mnt, grow.prefix]);
    for (const item of mountOperations(grow.mounts, grow.removals, grow.upperDirectories)) ops.push(item);
    ops.push(['commit', ...grow.commit]);
  }
  return [...ops, ...commandOperations(plan, plan.exec, plan.exec.argv, [['chdir', workingDirectory()]])];
}

/** What growing `view` by the programs it lacks takes: new overlays above each directory's write layer. */
function growth(view: LiveView, dir: string, added: readonly Version[], run: ResolvedRun, chosen: readonly Version[]) {
  const generation = view.record.generation + 1;
  // Its own directories: what a growth killed on the way left in the write layer (it goes with
  // the view) is never in the way of the next.
  const prefix = `g${generation}-${newId().slice(0, 8)}-`;
  const layers = added.map((v) => scanLayer(`${v.name} ${v.version}`, v.path, v.name, v.version));
  const removals = findConflicts(run.world, chosen, layers);
  const mounts: MountState[] = [];
  const next: MountState[] = [];
  for (const state of view.record.mounts) {
    const feeds = layers.flatMap((l) => l.feeds[path.basename(state.target)] ?? []);
    const removesHere = removals.some((r) => isUnder(r, state.target));
    if (feeds.length === 0 && !removesHere) {
      next.push(state);
      continue;
    }
    const below = [...feeds, state.upper, ...state.layers];
    const upper = path.join(paths(dir, view.record.id).mnt, `${prefix}${mounts.length}.upper`);
    mounts.push({ target: state.target, layers: below, upper });
    next.push({ target: state.target, layers: below, upper });
  }
  // Rootless, removals below the top need their directories in the new write layer. What the view
  // shows under its earlier write layers cannot be seen from here: the Index stands in for it.
  const lowers = (m: MountState) => [...m.layers, m.target];
  const upper = view.record.rootless
    ? upperDirectories(
        mounts.map((m) => ({ target: m.target, lowers: lowers(m) })),
        removals,
      )
    : [];
  return { prefix, mounts, removals, upperDirectories: upper, next, generation };
}

/** How long a launch waits for a view of its name that another launch is making. */
const WAIT_FOR_CREATION_MS = 15_000;

/**
 * The live view of that name, or undefined once this launch holds the name's claim (it creates the
 * view). A view that another launch is making is waited for, and joined.
 */
function viewOrClaim(
  dir: string,
  name: string,
  id: string,
): { view: LiveView | undefined; here: LiveView | undefined; fullName: string } {
  const until = Date.now() + WAIT_FOR_CREATION_MS;
  for (;;) {
    const views = liveViews(dir);
    const here = viewOfSelf(views);
    const fullName = here ? `${here.fullName}/${name}` : name;
    const view = views.find((v) => v.fullName === fullName);
    if (view) return { view, here, fullName };
    const holder = claimName(dir, here?.record.id ?? null, name, id, (other) =>
      views.some((v) => v.record.id === other),
    );
    if (holder === undefined) return { view: undefined, here, fullName };
    if (Date.now() > until)
      throw new RunnerError(
        `view '${fullName}' is being made by another launch, which has not finished after ${WAIT_FOR_CREATION_MS / 1000} s`,
        ExitCode.view,
      );
    sleepSync(30);
  }
}

export function namedLaunch(name: string, plan: MountPlan, run: ResolvedRun, chosen: readonly Version[]): never {
  checkName(name);
  const dir = registryDir();
  const id = newId();
  const { view, here, fullName } = viewOrClaim(dir, name, id);
  if (!view) return create(dir, id, name, here, plan, run, chosen);

  const held = view.record.versions;
  const asker = run.target.program ? `${run.target.program.name} ${run.target.program.version}` : run.target.via;
  for (const v of chosen) {
    if (held[v.name] !== undefined && held[v.name] !== v.version)
      throw new RunnerError(
        `view '${fullName}' holds ${v.name} ${held[v.name]}; ${asker} needs ${v.name} ${v.version}`,
        ExitCode.unsatisfiable,
      );
  }
  const added = chosen.filter((v) => held[v.name] === undefined);
  joinCgroup(view);
  if (added.length === 0) return startOperations(joinOperations(view, dir, plan, undefined));
  if (view.record.mounts.some((m) => m.layers.some((l) => l.startsWith('group:'))))
    throw new RunnerError(
      `view '${fullName}' has more than 500 layers in one directory and cannot grow`,
      ExitCode.view,
    );
  const grown = growth(view, dir, added, run, chosen);
  // The record says what the view holds once the executor has made it so: it commits the staged
  // record after the new overlays are mounted. (A launch that fails to mount leaves the record as it
  // was; of two launches growing a view at once, the second finds the first's staged record and
  // fails with 122.)
  const staged = stageGrowth(dir, {
    ...view.record,
    versions: { ...held, ...versionMap(added) },
    mounts: grown.next,
    generation: grown.generation,
  });
  if (staged === undefined)
    throw new RunnerError(
      `view '${fullName}' is growing in another launch right now; try again when it is done`,
      ExitCode.view,
    );
  return startOperations(
    joinOperations(view, dir, plan, { ...grown, commit: [staged, paths(dir, view.record.id).record] }),
  );
}
