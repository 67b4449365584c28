// PIP, PIP2 and PIP3: `pip install --prefix=<Aliens>/PIP/<X.Y>` puts a distribution's files in
// `lib/pythonX.Y/site-packages/` beside its `<name>-<version>.dist-info/METADATA` (or, from older
// setuptools, `<name>-<version>-pyX.Y.egg-info`, a directory holding PKG-INFO or that file itself).
import { ExitCode, RunnerError } from '../../base/errors.js';
import { sortNewestFirst } from '../version.js';
import { checkedVersion, lineAt, type PrefixModule, type PrefixReader } from './module.js';

/** Python's major version for each manager, as GoboLinux's Alien-PIP picks its `pip`. */
const MAJOR: Record<string, string> = { pip: '2', pip2: '2', pip3: '3' };

/** A distribution's name as pip compares it (PEP 503): case and runs of `-_.` do not matter. */
export function normalizedName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** The distribution a `.dist-info` or `.egg-info` entry is of (names there escape `-` as `_`). */
function distributionOf(entry: string): string | undefined {
  const match = /^([^-]+)-.*\.(dist|egg)-info$/.exec(entry);
  return match?.[1];
}

/**
 * The metadata files of a site directory's `.dist-info` and `.egg-info` entries by normalized
 * name, made once per run (a Dependencies file may name thousands of one prefix's modules).
 */
function metadataFiles(site: string, reader: PrefixReader): Map<string, string[]> {
  return reader.memo(`pip:${site}`, () => {
    const byName = new Map<string, string[]>();
    const directories = new Set(reader.directories(site));
    for (const entry of reader.entries(site)) {
      const distribution = distributionOf(entry);
      if (distribution === undefined) continue;
      const dir = `${site}/${entry}`;
      // An egg-info is a directory holding PKG-INFO, or (distutils) that file itself.
      const file = !directories.has(entry) ? dir : entry.endsWith('.dist-info') ? `${dir}/METADATA` : `${dir}/PKG-INFO`;
      const key = normalizedName(distribution);
      const files = byName.get(key);
      if (files) files.push(file);
      else byName.set(key, [file]);
    }
    return byName;
  });
}

/** The `Version:` header of a METADATA or PKG-INFO file (RFC 822 headers: up to the first blank line). */
export function metadataVersion(file: string, text: string): string {
  const end = text.search(/\r?\n\r?\n/);
  const headers = end === -1 ? text : text.slice(0, end);
  const match = /^Version:[ \t]*(.*?)[ \t]*\r?$/m.exec(headers);
  if (!match) throw new RunnerError(`${file}: has no Version field`, ExitCode.badMetadata);
  return checkedVersion(file, lineAt(text, match.index), match[1]);
}

/** The site-packages directories of the prefix's Pythons of this major version, newest Python first. */
function siteDirs(prefix: string, major: string | undefined, reader: PrefixReader): string[] {
  const pythons = reader
    .directories(prefix)
    .filter((xy) => /^\d+\.\d+$/.test(xy) && (major === undefined || xy.split('.')[0] === major));
  return sortNewestFirst(pythons).flatMap((xy) =>
    ['lib', 'lib64'].map((lib) => `${prefix}/${xy}/${lib}/python${xy}/site-packages`),
  );
}

export function pipModule(
  prefix: string,
  manager: string,
  module: string,
  reader: PrefixReader,
): PrefixModule | undefined {
  const wanted = normalizedName(module);
  for (const site of siteDirs(prefix, MAJOR[manager.toLowerCase()], reader)) {
    const found: string[] = [];
    for (const file of metadataFiles(site, reader).get(wanted) ?? []) {
      const bytes = reader.file(file);
      if (bytes === undefined) throw new RunnerError(`${file}: does not exist`, ExitCode.badMetadata);
      found.push(metadataVersion(file, bytes.toString('utf8')));
    }
    // pip leaves one distribution of a name; should an upgrade have left two, the newest is taken.
    if (found.length > 0) return { version: sortNewestFirst(found)[0], dir: site, within: [''] };
  }
  return undefined;
}
