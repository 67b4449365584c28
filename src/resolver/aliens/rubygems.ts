// RubyGems: a gem directory (GEM_HOME) at <Aliens>/RubyGems holds
// `specifications/<name>-<version>[-<platform>].gemspec` and `gems/<name>-<version>/`; the gem
// directory itself is what goes on GEM_PATH. The version is the gemspec's own `s.version`.
import { ExitCode, RunnerError } from '../../base/errors.js';
import { sortNewestFirst } from '../version.js';
import { checkedVersion, lineAt, type PrefixModule, type PrefixReader } from './module.js';

/** The `s.version = "1.2.3"` (or `Gem::Version.new("1.2.3")`) of a gemspec. */
export function gemspecVersion(file: string, text: string): string {
  const match = /^\s*\w+\.version\s*=\s*(?:Gem::Version\.new\()?\s*["']([^"']*)["']/m.exec(text);
  if (!match) throw new RunnerError(`${file}: states no version`, ExitCode.badMetadata);
  return checkedVersion(file, lineAt(text, match.index), match[1]);
}

/**
 * The gemspecs of a specifications directory by the gem names they may be of, made once per run:
 * a gem's name may hold '-' (rack-test), so each '-' followed by a digit may start the version.
 */
function gemspecs(specifications: string, reader: PrefixReader): Map<string, string[]> {
  return reader.memo(`gems:${specifications}`, () => {
    const byName = new Map<string, string[]>();
    for (const file of reader.entries(specifications).filter((f) => f.endsWith('.gemspec')))
      for (const match of file.matchAll(/-(?=\d)/g)) {
        const name = file.slice(0, match.index);
        const files = byName.get(name);
        if (files) files.push(file);
        else byName.set(name, [file]);
      }
    return byName;
  });
}

export function rubyGemsModule(prefix: string, module: string, reader: PrefixReader): PrefixModule | undefined {
  const specifications = `${prefix}/specifications`;
  const ours = gemspecs(specifications, reader).get(module) ?? [];
  if (ours.length === 0) return undefined;
  const found = ours.map((f) => {
    const file = `${specifications}/${f}`;
    const bytes = reader.file(file);
    if (bytes === undefined) throw new RunnerError(`${file}: cannot be read`, ExitCode.badMetadata);
    return gemspecVersion(file, bytes.toString('utf8'));
  });
  // Several versions may share a gem directory; Ruby activates the newest, so that is the one.
  return { version: sortNewestFirst(found)[0], dir: prefix, within: [''] };
}
