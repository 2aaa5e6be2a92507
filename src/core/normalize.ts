/** Names, versions and tags as a distribution's file name and its archive compare them. */

/** PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` as one `-`. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/**
 * A version as compared between a file name and the archive's own names:
 * case-insensitive, with `-` and `_` alike (wheel file names escape `-` as `_`).
 */
export function normalizeVersion(version: string): string {
  return version.toLowerCase().replace(/-/g, '_');
}

/** A tag triple's compressed sets expanded: `py2.py3-none-any` → `py2-none-any`, `py3-none-any`. */
export function expandTags(python: string, abi: string, platform: string): string[] {
  const tags: string[] = [];
  for (const p of python.split('.')) for (const a of abi.split('.')) for (const f of platform.split('.')) tags.push(`${p}-${a}-${f}`.toLowerCase());
  return tags;
}

/**
 * PEP 440, as packaging's `Version` reads it (what pip and PyPI use): the
 * pattern, case-insensitive, with a leading `v` and the `-`, `_`, `.`
 * separators its normal form drops.
 */
const PEP440 =
  /^\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)(?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE_LETTERS: Record<string, string> = { alpha: 'a', a: 'a', beta: 'b', b: 'b', preview: 'rc', pre: 'rc', c: 'rc', rc: 'rc' };

/**
 * A PEP 440 version's identity, or undefined if `version` is not one: two
 * versions pip takes for equal (`1.0` and `1.0.0`, `1.0RC1` and `1.0rc1`,
 * `1.0_post1` and `1.0.post1`) give the same string. A wheel file name's
 * version is read with its `_` as `-` first, as pip reads it.
 */
export function versionKey(version: string): string | undefined {
  // The versions of one run repeat (every file of a release, each name and METADATA): parsed once each.
  // (Only short ones: a version comes from a stranger's METADATA, which may hold megabytes of it.)
  if (version.length > 64) return parseVersionKey(version);
  if (keys.has(version)) return keys.get(version);
  if (keys.size >= KEYS_KEPT) keys.clear();
  const key = parseVersionKey(version);
  keys.set(version, key);
  return key;
}

/** versionKey's answers so far, at most KEYS_KEPT of them. */
const keys = new Map<string, string | undefined>();
const KEYS_KEPT = 1024;

function parseVersionKey(version: string): string | undefined {
  const match = PEP440.exec(version);
  if (!match?.groups) return undefined;
  const g = match.groups;
  const int = (digits: string | undefined): string => String(Number.parseInt(digits ?? '0', 10));
  const release = g.release!.split('.').map(int);
  while (release.length > 1 && release.at(-1) === '0') release.pop();
  let key = `${int(g.epoch)}!${release.join('.')}`;
  if (g.pre) key += `${PRE_LETTERS[g.pre_l!.toLowerCase()]}${int(g.pre_n)}`;
  if (g.post) key += `.post${int(g.post_n1 ?? g.post_n2)}`;
  if (g.dev) key += `.dev${int(g.dev_n)}`;
  if (g.local) key += `+${g.local.toLowerCase().split(/[-_.]/).map((part) => (/^\d+$/.test(part) ? int(part) : part)).join('.')}`;
  return key;
}

/** True when both are PEP 440 versions pip takes for equal. */
export function sameVersion(a: string, b: string): boolean {
  const key = versionKey(a);
  return key !== undefined && key === versionKey(b);
}
