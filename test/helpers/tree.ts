// Builds throw-away GoboLinux trees for tests: Programs/<Name>/<Version>/ with Resources, Current
// links and files, from a compact description.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface VersionSpec {
  deps?: string;
  arch?: string;
  env?: string;
  files?: Record<string, string>;
}

export interface TreeSpec {
  programs: Record<string, Record<string, VersionSpec>>;
  current?: Record<string, string>;
  compat?: string;
}

/** The directory of this test run, made on first use and removed with everything in it at exit:
 * a run of the suite leaves nothing in /tmp. Readable by everyone: the test user walks into it. */
let runDir: string | undefined;
function testRunDir(): string {
  if (runDir === undefined) {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-tests-'));
    fs.chmodSync(made, 0o755);
    process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
    runDir = made;
  }
  return runDir;
}

export function tempDir(prefix = 'runner-test-'): string {
  return fs.mkdtempSync(path.join(testRunDir(), prefix));
}

export function writeFile(file: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

export function makeTree(spec: TreeSpec, root = tempDir()): string {
  for (const [name, versions] of Object.entries(spec.programs)) {
    for (const [version, v] of Object.entries(versions)) {
      const dir = path.join(root, 'Programs', name, version);
      fs.mkdirSync(path.join(dir, 'Resources'), { recursive: true });
      if (v.deps !== undefined) writeFile(path.join(dir, 'Resources/Dependencies'), v.deps);
      if (v.arch !== undefined) writeFile(path.join(dir, 'Resources/Architecture'), `${v.arch}\n`);
      if (v.env !== undefined) writeFile(path.join(dir, 'Resources/Environment'), v.env);
      for (const [file, content] of Object.entries(v.files ?? {})) {
        writeFile(path.join(dir, file), content, file.startsWith('bin/') ? 0o755 : 0o644);
      }
    }
  }
  for (const [name, version] of Object.entries(spec.current ?? {})) {
    fs.symlinkSync(version, path.join(root, 'Programs', name, 'Current'));
  }
  if (spec.compat !== undefined) writeFile(path.join(root, 'System/Settings/Scripts/CompatibilityList'), spec.compat);
  for (const dir of ['bin', 'include', 'lib', 'libexec', 'share'])
    fs.mkdirSync(path.join(root, 'System/Index', dir), { recursive: true });
  return root;
}

/** Links every Current version into System/Index with relative links, like SymlinkProgram -r. */
export function linkIndex(root: string, programs: Record<string, string>): void {
  const sources: Record<string, string[]> = {
    bin: ['bin', 'sbin'],
    lib: ['lib', 'lib64'],
    include: ['include'],
    libexec: ['libexec'],
    share: ['share'],
  };
  for (const [name, version] of Object.entries(programs)) {
    for (const [indexDir, subdirs] of Object.entries(sources)) {
      for (const sub of subdirs) {
        const from = path.join(root, 'Programs', name, version, sub);
        if (!fs.existsSync(from)) continue;
        for (const file of fs.readdirSync(from, { recursive: true }) as string[]) {
          const source = path.join(from, file);
          if (fs.statSync(source).isDirectory()) continue;
          const link = path.join(root, 'System/Index', indexDir, file);
          fs.mkdirSync(path.dirname(link), { recursive: true });
          fs.rmSync(link, { force: true });
          fs.symlinkSync(path.relative(path.dirname(link), source), link);
        }
      }
    }
  }
}

/** A path made of text and bytes, for names that are not UTF-8 (which only a Buffer can hold). */
export function bytePath(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}
