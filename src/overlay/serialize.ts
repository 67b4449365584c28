// The plan on the wire to addon/runner-exec (format in addon/plan.h): NUL-terminated strings,
// each list preceded by its count. Byte strings (argv) go through unchanged.
import type { EnvOp, EnvPart } from './environment.js';
import { needsView, type MountPlan } from './plan.js';
import { below, dirnameOf, displayPath, isUnder, pathKey, type FilePath } from '../base/file-path.js';

export type Token = string | Uint8Array;

export function list(items: readonly Token[]): Token[] {
  return [String(items.length), ...items];
}

/** A value's parts as addon/env-ops.h reads them: a conditional is followed by its word's parts. */
function valueTokens(parts: readonly EnvPart[]): string[] {
  return parts.flatMap((part) => {
    if ('text' in part) return [`=${part.text}`];
    if (!('word' in part)) return [`$${part.variable}`];
    const word = valueTokens(part.word);
    return [`?${part.operator} ${word.length} ${part.variable}`, ...word];
  });
}

export function envOperation(op: EnvOp): Token[] {
  if (op.kind === 'unset') return ['unsetenv', op.name];
  if (op.kind === 'prepend') return ['prependenv', op.name, ...list(op.dirs)];
  return ['setenv', op.name, op.origin, ...list(valueTokens(op.parts))];
}

/** What a named view adds to a plan (src/views/): operations after the write layer and before the environment. */
export interface NamedView {
  afterWriteLayer: Token[][];
  beforeEnvironment: Token[][];
}

/**
 * Overlay `mounts` onto their targets, each with `upperDirectories` under it made in its write
 * layer first, then remove `removals` beneath them. A removal at the top of its overlay (most
 * are: `lib/libfoo.so.1`), or in a directory made in the write layer anyway (rootless), is a
 * whiteout made in the fresh upper before the mount: removing it through the mounted overlay
 * makes the same whiteout by way of overlayfs's work directory, at some ten times the cost
 * (bench/launch: 40 of them were a third of a warm 40-dependency launch).
 */
export function mountOperations(
  mounts: readonly { target: string; layers: readonly string[] }[],
  removals: readonly FilePath[],
  upperDirectories: readonly FilePath[] = [],
): Token[][] {
  const made = new Set(upperDirectories.map(pathKey));
  // Each removal once: a whiteout before its overlay, or a `remove` after all of them, which the
  // executor resolves beneath that mount, never following a symlink on the way.
  const whiteouts = new Map<string, Token[][]>();
  const removes: Token[][] = [];
  for (const removal of removals) {
    const mount = mounts.find((m) => isUnder(removal, m.target));
    if (!mount) continue;
    const inside = below(removal, mount.target);
    if (dirnameOf(inside) === '.' || made.has(pathKey(dirnameOf(removal)))) {
      let before = whiteouts.get(mount.target);
      if (before === undefined) whiteouts.set(mount.target, (before = []));
      before.push(['whiteout', mount.target, inside]);
    } else removes.push(['remove', mount.target, inside]);
  }
  const ops: Token[][] = [];
  for (const mount of mounts) {
    for (const dir of upperDirectories)
      if (isUnder(dir, mount.target)) ops.push(['upperdir', mount.target, below(dir, mount.target)]);
    for (const op of whiteouts.get(mount.target) ?? []) ops.push(op);
    ops.push(['overlay', mount.target, ...list(mount.layers)]);
  }
  for (const op of removes) ops.push(op);
  return ops;
}

/**
 * What follows the view: the personality, no new privileges (rootless, in a view), `before` (a
 * named view's extras), the environment operations, and the exec of `exec.file` with `argv`.
 */
export function commandOperations(
  run: { personality: number | undefined; rootless: boolean; envOps: readonly EnvOp[] },
  exec: { file: FilePath; missing?: string },
  argv: readonly Token[],
  before: readonly Token[][] = [],
  inView = true,
): Token[][] {
  const ops: Token[][] = [];
  if (run.personality !== undefined) ops.push(['personality', `0x${run.personality.toString(16)}`]);
  // Rootless, nothing in the view may regain privileges; as root, setuid programs keep working,
  // and so they do for a user whose command needs no view (no namespace: nothing to guard).
  if (run.rootless && inView) ops.push(['nonewprivs']);
  for (const item of before) ops.push(item);
  for (const op of run.envOps) ops.push(envOperation(op));
  ops.push(['exec', exec.file, exec.missing ?? 'it was not found', ...list(argv)]);
  return ops;
}

/**
 * The plan's operations; `argv` replaces the command's argv (the cache stores only its fixed
 * words). A named view always has its namespaces, even where the plan needs no mount.
 */
export function planOperations(plan: MountPlan, argv: readonly Token[] = plan.exec.argv, named?: NamedView): Token[][] {
  const ops: Token[][] = [];
  const inView = needsView(plan) || named !== undefined;
  if (inView) {
    // First, so that -f also covers a namespace that cannot be created.
    if (plan.fallback) ops.push(['fallback', 'running without the private view (-f)']);
    ops.push(plan.rootless ? ['userns'] : ['mountns']);
    // Nothing done in the view may propagate back to the host.
    ops.push(['private', '/']);
    ops.push(['writelayer', plan.writeLayer, '']);
    if (named) for (const item of named.afterWriteLayer) ops.push(item);
    for (const group of plan.groups) ops.push(['group', group.target, ...list(group.layers)]);
    for (const item of mountOperations(plan.mounts, plan.removals, plan.upperDirectories)) ops.push(item);
    for (const bind of plan.binds)
      ops.push(
        bind.directory
          ? ['binddir', bind.source, bind.target]
          : ['bindfile', bind.source, bind.target, bind.create ? '1' : '0'],
      );
    // A working directory inside the Index shows the view, not the host's files under it.
    ops.push(['rechdir']);
  }
  for (const item of commandOperations(plan, plan.exec, argv, named?.beforeEnvironment, inView)) ops.push(item);
  return ops;
}

/** NUL-terminated tokens under a magic word (addon/plan.h). */
export function serializeOps(magic: string, ops: readonly (readonly Token[])[]): Buffer {
  const parts: Buffer[] = [];
  for (const token of [magic, ...ops.flat()]) {
    const bytes = typeof token === 'string' ? Buffer.from(token, 'utf8') : Buffer.from(token);
    if (bytes.includes(0)) throw new Error(`a plan value contains a NUL byte: ${bytes.toString('utf8', 0, 60)}`);
    parts.push(bytes, Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

export function serializePlan(plan: MountPlan): Buffer {
  return serializeOps(PLAN_MAGIC, planOperations(plan));
}

export const PLAN_MAGIC = 'RUNNER-PLAN-1';

/**
 * The plan as JSON for --dry-run --json (argv decoded as UTF-8 for reading), with `env`, the
 * environment its operations make of this caller's.
 */
export function planJson(plan: MountPlan, env: ReadonlyMap<string, string>): string {
  const decoder = new TextDecoder();
  return JSON.stringify({
    ...plan,
    removals: plan.removals.map(displayPath),
    upperDirectories: plan.upperDirectories.map(displayPath),
    env: [...env],
    exec: { file: displayPath(plan.exec.file), argv: plan.exec.argv.map((a) => decoder.decode(a)) },
  });
}

/** The variables a readable plan shows: the view's own, and the search paths Aliens go on (alien-env.ts). */
const SHOWN_VARIABLES =
  /^(PATH|LD_LIBRARY_PATH|GOBOLINUX_RUNNER|PYTHONPATH|PERL5LIB|LUA_C?PATH|GEM_PATH|GHC_PACKAGE_PATH)$/;

/** A readable listing of the plan for --dry-run and -vv; `env` as for planJson. */
export function planText(plan: MountPlan, env: ReadonlyMap<string, string>): string {
  const decoder = new TextDecoder();
  const lines = [
    `${plan.rootless ? 'user+mount' : 'mount'} namespace, write layer ${plan.writeLayer}${needsView(plan) ? '' : ' (no view needed)'}`,
  ];
  plan.groups.forEach((g, i) =>
    lines.push(
      `group:${i} = read-only overlay of ${g.layers.length} layers for ${g.target} (${g.layers[0]} … ${g.layers.at(-1)})`,
    ),
  );
  for (const m of plan.mounts) {
    lines.push(`overlay ${m.target}`);
    for (const l of m.layers) lines.push(`  ${l}`);
  }
  for (const d of plan.upperDirectories)
    lines.push(`make ${displayPath(d)} in the write layer (to remove entries in it)`);
  for (const r of plan.removals) lines.push(`remove ${displayPath(r)}`);
  for (const b of plan.binds) lines.push(`bind ${b.source} onto ${b.target}${b.create ? ' (created)' : ''}`);
  if (plan.personality !== undefined) lines.push(`personality 0x${plan.personality.toString(16)}`);
  for (const [k, v] of [...env].filter(([k]) => SHOWN_VARIABLES.test(k))) lines.push(`env ${k}=${v}`);
  lines.push(`exec ${displayPath(plan.exec.file)} ${JSON.stringify(plan.exec.argv.map((a) => decoder.decode(a)))}`);
  return lines.join('\n');
}
