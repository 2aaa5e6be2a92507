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
