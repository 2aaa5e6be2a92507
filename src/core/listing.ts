/**
 * The door for a container's listing: every name a run is about to use is
 * checked here once, and whatever cannot be used becomes one problem of the
 * run naming it (escaped), never a file read, written or printed raw.
 */
import type { Entry } from '../containers/container.js';
import { expandTags, normalizeName, normalizeVersion } from './contents.js';
import type { Problem } from './report.js';
import { SIDECAR_SUFFIX } from './sidecar.js';
import { hasUnprintable, nameProblem, quote } from './untrusted.js';
import { matchesAny, type Pairing, parseDistributionName } from './wheels.js';

/** What a run may use of a listing, and why it may not use the rest. */
export interface Admission {
  entries: Entry[];
  problems: Problem[];
  /** The names refused, as listed: their partners are not reported again as unpaired. */
  refused: Set<string>;
}

/** True when a run would use this name: a distribution the patterns match, or such a distribution's sidecar. */
function wanted(name: string, patterns: readonly string[]): boolean {
  if (name.endsWith(SIDECAR_SUFFIX)) return matchesAny(name.slice(0, -SIDECAR_SUFFIX.length), patterns);
  return matchesAny(name, patterns);
}

/**
 * Lets through the entries a run may use. A name the patterns select must
 * be one a distribution or its sidecar can have, and its entry must not be
 * refused by the container (a symbolic link, a FIFO, over a cap); a
 * distribution must have a wheel or sdist file name. A name with control or
 * invisible characters is a problem even when nothing selects it: no
 * honest store holds one. Other names (a README on a shared disk) are left
 * alone, unread and unprinted.
 */
export function admitListing(entries: readonly Entry[], patterns: readonly string[], where: string): Admission {
  const admitted: Entry[] = [];
  const problems: Problem[] = [];
  const refused = new Set<string>();
  for (const entry of entries) {
    const selected = wanted(entry.name, patterns);
    if (!selected && !hasUnprintable(entry.name)) continue;
    const problem = nameProblem(entry.name);
    if (problem || entry.refused || (!entry.name.endsWith(SIDECAR_SUFFIX) && !parseDistributionName(entry.name))) refused.add(entry.name);
    if (problem) {
      problems.push({ message: `${where} holds an entry named ${quote(entry.name)}, which ${problem}; it was not read: remove it` });
    } else if (entry.refused) {
      problems.push({ message: `${entry.name} in ${where} ${entry.refused}; it was not read` });
    } else if (!entry.name.endsWith(SIDECAR_SUFFIX) && !parseDistributionName(entry.name)) {
      problems.push({ message: `${entry.name} in ${where} is not a wheel (PEP 427: name-version(-build)?-python-abi-platform.whl) or sdist (name-version.tar.gz) file name; PyPI would refuse it` });
    } else {
      admitted.push(entry);
    }
  }
  return { entries: admitted, problems, refused };
}

/**
 * Leaves out of a pairing what the door already reported: a wheel whose
 * sidecar was refused is not also "without a sidecar", nor a sidecar whose
 * wheel was refused "without its wheel".
 */
export function withoutRefusedPartners(pairing: Pairing, refused: ReadonlySet<string>): Pairing {
  return {
    pairs: pairing.pairs,
    withoutSidecar: pairing.withoutSidecar.filter((name) => !refused.has(name + SIDECAR_SUFFIX)),
    withoutDistribution: pairing.withoutDistribution.filter((name) => !refused.has(name)),
  };
}

/**
 * The key PyPI and an installer tell distributions apart by: the PEP 503
 * normalised name, the version, the build tag and the set of tags of a
 * wheel; name and version of an sdist. Undefined for other names.
 */
export function distributionKey(fileName: string): string | undefined {
  const parsed = parseDistributionName(fileName);
  if (!parsed) return undefined;
  const project = `${normalizeName(parsed.distribution)} ${normalizeVersion(parsed.version)}`;
  if (parsed.kind === 'sdist') return `sdist ${project}`;
  const tags = expandTags(parsed.pythonTag, parsed.abiTag, parsed.platformTag).sort().join(' ');
  // The build tag without case: `1a` and `1A` are two builds to an installer, one file on macOS and Windows.
  return `wheel ${project} ${(parsed.build ?? '').toLowerCase()} ${tags}`;
}

/**
 * Splits names into those that are the only file of their distribution and
 * groups of two or more that are one distribution under different names
 * (`Foo-1.0-…` and `foo-1.0-…`: one file on macOS and Windows, one project
 * to PyPI). Each group is a problem naming all its files.
 */
export function sameDistribution(names: readonly string[], where: string): { unique: string[]; problems: Problem[] } {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const key = distributionKey(name) ?? `file ${name}`;
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  const unique: string[] = [];
  const problems: Problem[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      unique.push(group[0]!);
      continue;
    }
    problems.push({
      message:
        `${group.join(' and ')} in ${where} are one distribution under ${group.length} names ` +
        '(PEP 503 normalised name, version and tags alike): PyPI takes one, and on macOS and Windows they are one file; keep one and remove the others',
    });
  }
  return { unique: unique.sort(), problems };
}
