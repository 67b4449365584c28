// The --resolve --json record, exactly as documented in the README and the resolver issue.
import type { ResolvedRun } from '../run/resolve.js';

export function resolutionJson(run: ResolvedRun): string {
  return JSON.stringify({
    program: run.program ? { name: run.program.name, version: run.program.version, path: run.program.path } : null,
    dependencies: run.dependencies.map((d) => ({
      name: d.name,
      version: d.version,
      path: d.path,
      requiredBy: [...new Set(d.demands.map((x) => x.by))],
    })),
    architecture: run.architecture,
  });
}
