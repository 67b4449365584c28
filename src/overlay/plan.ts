// The mount plan: plain, versioned data that says everything the executor will do, built by a
// pure function from what the resolver and the layer scan found (bubblewrap's SetupOp list is the
// model). Nothing here touches the file system.
import path from 'node:path';
import type { EnvOp } from './environment.js';
import { INDEX_DIRS, type Layer } from '../resolver/layers.js';
import { isUnder, type FilePath } from '../base/file-path.js';

/** overlayfs refuses a 501st lower layer. */
export const MAX_LOWER_LAYERS = 500;

export interface Mount {
  target: string;
  /** Top first: layer directories, or `group:N` for a detached read-only overlay of many. */
  layers: string[];
}

/** A detached read-only overlay of many layers, one lower layer of the overlay on `target`. */
export interface Group {
  target: string;
  layers: string[];
}

export interface MountPlan {
  format: 'runner-plan/1';
  /** Enter a user namespace (non-root) or only a mount namespace (root). */
  rootless: boolean;
  /** 'tmpfs' (dies with the namespace) or a directory kept for inspection (-C). */
  writeLayer: string;
  groups: Group[];
  mounts: Mount[];
  /** Merged-view paths to remove (conflict removal). */
  removals: FilePath[];
  /** Merged-view directories made in the write layer before mounting, so that a rootless launch
   * may remove entries in them (overlay/conflicts.ts: upperDirectories). */
  upperDirectories: FilePath[];
  /** Files bound onto paths of the view (a foreign program's loader at its PT_INTERP path). */
  binds: { source: string; target: string; create: boolean; directory?: boolean }[];
  /** personality(2) value, e.g. PER_LINUX32 for a 32-bit run on a 64-bit host. */
  personality: number | undefined;
  /** Run without the view when it cannot be built (-f). */
  fallback: boolean;
  /** Applied by the executor to the caller's environment of the launch (addon/env-ops.h). */
  envOps: EnvOp[];
  /** The file to exec (resolved: the executor never searches PATH), its argv, and what to say
   * when the kernel cannot find what the file needs (ENOENT for an existing file). */
  exec: Exec;
  /** Files and directories whose state the plan was derived from (for a later plan cache). */
  dependsOn: string[];
}

/**
 * What the executor execs. `argv` is this launch's; for the plan cache, `fixed` leading words of
 * it are the plan's own and the rest are the caller's command words from `from` on (0: the
 * command word itself), so that a cached plan can take the next launch's arguments.
 */
export interface Exec {
  /** Bytes when the command word was given so (base/file-path.ts). */
  file: FilePath;
  argv: Uint8Array[];
  missing?: string;
  fixed: number;
  from: number;
}

export interface PlanInput {
  index: string;
  /** Layers above the real Index, top first. */
  layers: readonly Layer[];
  /** Index directories that exist on disk (only those can be mount points). */
  indexDirs: readonly string[];
  pure: boolean;
  rootless: boolean;
  writeLayer: string;
  removals: readonly FilePath[];
  upperDirectories?: readonly FilePath[];
  /** The tree's loader at a foreign program's interpreter path (arch/loader.ts). */
  loader?: { source: string; target: string; createIn: string | undefined };
  personality: number | undefined;
  fallback: boolean;
  envOps: EnvOp[];
  exec: Exec;
  dependsOn?: readonly string[];
  maxLayers?: number;
  /** Overlay every Index directory, even one nothing is added to (a named view: one write layer for all). */
  overlayEvery?: boolean;
  /** Directories bound read-only into the view, each at a new directory of an overlaid Index directory. */
  directoryBinds?: readonly { source: string; target: string }[];
}

export const PER_LINUX32 = 0x0008;

/**
 * More lower layers than overlayfs takes become groups, each a detached read-only overlay. The
 * groups are of even size: a read-only overlay needs at least two layers, so 501 layers are
 * two groups of 251 and 250, never 500 and 1.
 */
export function groupLayers(target: string, lowers: string[], groups: Group[], max: number): string[] {
  if (lowers.length <= max) return lowers;
  const count = Math.ceil(lowers.length / max);
  if (count > max) throw new Error(`${lowers.length} layers exceed ${max}×${max}`);
  const refs: string[] = [];
  for (let g = 0, start = 0; g < count; g++) {
    const end = start + Math.floor(lowers.length / count) + (g < lowers.length % count ? 1 : 0);
    refs.push(`group:${groups.length}`);
    groups.push({ target, layers: lowers.slice(start, end) });
    start = end;
  }
  return refs;
}

/** The lower layers of the overlay on Index directory `dir` (at `target`), top first, before grouping. */
export function indexLowers(layers: readonly Layer[], dir: string, target: string, pure: boolean): string[] {
  return [...layers.flatMap((layer) => layer.feeds[dir]), ...(pure ? [] : [target])];
}

export function planMounts(input: PlanInput): MountPlan {
  const groups: Group[] = [];
  const mounts: Mount[] = [];
  for (const dir of INDEX_DIRS) {
    if (!input.indexDirs.includes(dir)) continue;
    const target = path.join(input.index, dir);
    // Without -p an Index directory nobody adds to and nothing is removed from stays as it is;
    // with -p it is emptied.
    const removesHere = input.removals.some((r) => isUnder(r, target));
    const bindsHere = (input.directoryBinds ?? []).some((b) => path.dirname(b.target) === target);
    if (
      input.layers.every((layer) => layer.feeds[dir].length === 0) &&
      !input.pure &&
      !removesHere &&
      !bindsHere &&
      !input.overlayEvery
    )
      continue;
    const lowers = indexLowers(input.layers, dir, target, input.pure);
    mounts.push({ target, layers: groupLayers(target, lowers, groups, input.maxLayers ?? MAX_LOWER_LAYERS) });
  }
  const mounted = new Set(mounts.map((m) => m.target));
  const inView = (p: FilePath) => [...mounted].some((t) => isUnder(p, t));
  const removals = input.removals.filter(inView);
  const upperDirectories = (input.upperDirectories ?? []).filter(inView);
  const binds: MountPlan['binds'] = [];
  if (input.loader) {
    const { source, target, createIn } = input.loader;
    // Where the file does not exist, its directory is overlaid (host content kept) to hold it.
    if (createIn) mounts.push({ target: createIn, layers: [createIn] });
    binds.push({ source, target, create: createIn !== undefined });
  }
  for (const { source, target } of input.directoryBinds ?? [])
    binds.push({ source, target, create: true, directory: true });
  return {
    format: 'runner-plan/1',
    rootless: input.rootless,
    writeLayer: input.writeLayer,
    groups,
    mounts,
    removals,
    upperDirectories,
    binds,
    personality: input.personality,
    fallback: input.fallback,
    envOps: input.envOps,
    exec: input.exec,
    dependsOn: [...(input.dependsOn ?? [])],
  };
}

/** Whether the plan needs a namespace at all (a command outside Programs with no -d needs none). */
export function needsView(plan: MountPlan): boolean {
  return plan.mounts.length > 0 || plan.binds.length > 0;
}
