// CPAN: GoboLinux's cpan installs with INSTALL_BASE=<Aliens>/CPAN, so a module is
// `lib/perl5/<A>/<B>.pm` (architecture-dependent ones under `lib/perl5/<archname>/`, the directory
// that also holds `auto/` and perllocal.pod). Its version is the `.pm`'s own `$VERSION`, what
// `Alien-CPAN --getversion` asks perl for; perllocal.pod's record of the install when the `.pm`
// computes it instead of stating it.
import { ExitCode, RunnerError } from '../../base/errors.js';
import { checkedVersion, lineAt, type PrefixModule, type PrefixReader } from './module.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `package A::B 1.23;` or `$VERSION = '1.23'` (also `our`, `$A::B::VERSION`), as a literal. */
export function pmVersion(file: string, text: string, module: string): string | undefined {
  const name = escape(module);
  const patterns = [
    new RegExp(`^[ \\t]*package[ \\t]+${name}[ \\t]+v?([0-9][0-9._]*)[ \\t]*[;{]`, 'm'),
    new RegExp(`^[^#\\n]*\\$(?:${name}::)?VERSION[ \\t]*=[ \\t]*(['"]?)v?([0-9][0-9._]*)\\1[ \\t]*;`, 'm'),
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return checkedVersion(file, lineAt(text, match.index), match[match.length - 1]);
  }
  return undefined;
}

/** The VERSION of the last install of `module` that perllocal.pod records (ExtUtils::MakeMaker's format). */
export function perllocalVersion(file: string, text: string, module: string): string | undefined {
  const entry = new RegExp(`^=head2 .*C<Module> L<${escape(module)}\\|`, 'gm');
  let version: string | undefined;
  for (let match = entry.exec(text); match; match = entry.exec(text)) {
    const end = text.indexOf('\n=head2 ', match.index + 1);
    const body = text.slice(match.index, end === -1 ? undefined : end);
    const field = /^C<VERSION: ([^>]*)>/m.exec(body);
    if (field) version = checkedVersion(file, lineAt(text, match.index + field.index), field[1]);
  }
  return version;
}

export function cpanModule(prefix: string, module: string, reader: PrefixReader): PrefixModule | undefined {
  if (!/^\w+(::\w+)*$/.test(module)) return undefined;
  const lib = `${prefix}/lib/perl5`;
  // An architecture's directory is named as perl's archname (x86_64-linux-gnu-thread-multi), with
  // a '-' that no package name's directory can have.
  const archDirs = reader
    .directories(lib)
    .filter((d) => d.includes('-'))
    .map((d) => `${lib}/${d}`);
  const relative = `${module.split('::').join('/')}.pm`;
  for (const dir of [lib, ...archDirs]) {
    const file = `${dir}/${relative}`;
    const bytes = reader.file(file);
    if (bytes === undefined) continue;
    const stated = pmVersion(file, bytes.toString('utf8'), module);
    if (stated !== undefined) return { version: stated, dir: lib, within: [''] };
    for (const arch of archDirs) {
      const pod = `${arch}/perllocal.pod`;
      const recorded = reader.file(pod);
      const version = recorded && perllocalVersion(pod, recorded.toString('utf8'), module);
      if (version) return { version, dir: lib, within: [''] };
    }
    throw new RunnerError(`${file}: states no $VERSION, and no perllocal.pod records one`, ExitCode.badMetadata);
  }
  return undefined;
}
