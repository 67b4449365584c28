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

export function rubyGemsModule(prefix: string, module: string, reader: PrefixReader): PrefixModule | undefined {
  const specifications = `${prefix}/specifications`;
  // A gem's name may hold '-' (rack-test): the version starts at the first '-' followed by a digit.
  const ours = reader
    .entries(specifications)
    .filter((f) => f.endsWith('.gemspec') && f.startsWith(`${module}-`) && /^\d/.test(f.slice(module.length + 1)));
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
