/**
 * Where a distribution's expected sha256 comes from, and what the run does
 * with a file that has none, or two that disagree.
 *
 * A file's digest may come from three places: its `<file>.sha256` sidecar
 * (if the listing holds one), the listing itself (a package index's
 * `#sha256=` fragment or PEP 691 `hashes.sha256`, a SHA256SUMS the
 * container URL names: `Entry.listedSha256`), and the `digests` input (a
 * SHA256SUMS file of the release, the truth). Every one present must agree;
 * a file with none is never downloaded. The functions here decide that from
 * a listing alone, before any byte of a distribution moves; reading a
 * sidecar and comparing it is collect's, with `agreedDigest`.
 */
import { resolve } from 'node:path';
import type { Entry } from '../containers/container.js';
import { LimitError, MAX_SUMS_BYTES, readBounded } from './bounds.js';
import { InputError, messageOf, SidecarFormatError, WheelGuardError } from './errors.js';
import { openRegular } from './files.js';
import type { Problem } from './report.js';
import { parseSha256Sums, sidecarName } from './sidecar.js';
import { plain, quote } from './untrusted.js';
import { matchesAny, pairListing } from './wheels.js';

/** One statement of a file's sha256, and who made it (for messages). */
export interface DigestSource {
  /** 64 lowercase hex digits: validated before it gets here. */
  sha256: string;
  /** "its sidecar x.whl.sha256", "SHA256SUMS", "the index page's #sha256= fragment". */
  from: string;
}

/** Two sources disagree on a file: it is refused, never downloaded. Trying again does not help. */
export class DigestConflictError extends WheelGuardError {}

/** The `digests` input, loaded: the file as the user named it, and its names → digests. */
export interface Truth {
  /** The file as given (for messages): "SHA256SUMS". */
  file: string;
  sums: ReadonlyMap<string, string>;
}

/** What a sidecar says, as a source. */
export function sidecarSource(name: string, sha256: string): DigestSource {
  return { sha256, from: `its sidecar ${sidecarName(name)}` };
}

/** Why a listed digest is not a sha256, by its shape (never quoted: it is a stranger's text), or undefined when it is one. */
function digestShape(value: string): string | undefined {
  if (!/^[0-9a-fA-F]*$/.test(value)) return `holds characters that are not hex digits (${value.length} characters)`;
  if (value.length !== 64) return `has ${value.length} hex digits; a sha256 has 64`;
  return undefined;
}

/** Where a listed digest came from: the container's own words, kept to one printable line. */
function listedLabel(entry: Entry, where: string): string {
  return entry.listedFrom ? plain(entry.listedFrom) : `the listing of ${where}`;
}

/**
 * The digest an entry's listing states, validated (64 hex digits, lower-cased),
 * or the problem naming the file and where the digest came from. Undefined
 * both when the listing states none.
 */
export function listedSource(entry: Entry, where: string): { source?: DigestSource; problem?: Problem } {
  if (entry.listedSha256 === undefined) return {};
  const from = listedLabel(entry, where);
  const shape = digestShape(entry.listedSha256);
  if (shape) return { problem: { message: `${entry.name}: ${from} states a digest that ${shape}; it was not downloaded` } };
  return { source: { sha256: entry.listedSha256.toLowerCase(), from } };
}

/** The first two sources that disagree, or undefined when all agree. */
export function disagreement(sources: readonly DigestSource[]): [DigestSource, DigestSource] | undefined {
  const first = sources[0];
  const other = first && sources.find((source) => source.sha256 !== first.sha256);
  return first && other ? [first, other] : undefined;
}

/** The message for two sources that disagree: both digests, and where each came from. */
export function conflictMessage(name: string, [a, b]: [DigestSource, DigestSource], outcome = 'refused without downloading it'): string {
  return `${name}: its digests disagree: ${a.from} says sha256 ${a.sha256}, ${b.from} says ${b.sha256}; ${outcome}`;
}

/**
 * The sha256 every source agrees on. Throws DigestConflictError naming two
 * that disagree (`outcome` ends the message: what became of the file), or, with no source at all, the "no digest" problem: a file
 * is never downloaded unverified.
 */
export function agreedDigest(name: string, sources: readonly DigestSource[], outcome?: string): string {
  const conflict = disagreement(sources);
  if (conflict) throw new DigestConflictError(conflictMessage(name, conflict, outcome));
  const first = sources[0];
  if (!first) throw new DigestConflictError(noDigestMessage(name, 'the listing', true));
  return first.sha256;
}

/** A file with no digest from anywhere. The old words where no listing could have stated one. */
function noDigestMessage(name: string, where: string, statesDigests: boolean): string {
  const sidecar = sidecarName(name);
  if (!statesDigests) return `${name}: no sidecar ${sidecar} in ${where}; its upload never finished, or post-build did not put it there`;
  return `${name}: no digest: no ${sidecar} sidecar in ${where}, and the listing states none; it is never downloaded unverified`;
}

/** A distribution the run will collect, with what is known of its digest before any sidecar is read. */
export interface PlannedFile {
  name: string;
  /** The listing holds its sidecar: collect reads it, and it must agree with `known`. */
  sidecar: boolean;
  /** The listing's and the `digests` input's digests, validated and agreeing (sidecar excluded). */
  known: DigestSource[];
  /** The index marks it yanked: the reason given ('' for none), raw. */
  yanked?: string;
}

/** What a listing lets a run do, judged from the listing and the `digests` input alone. */
export interface Plan {
  /** The distributions to collect, sorted by name: each has at least one digest source. */
  files: PlannedFile[];
  /** What is wrong before any download, one problem per file. */
  problems: Problem[];
  /** Names the run will not collect though the listing or `digests` names them: a copy already in `path` is not left as if verified. */
  unverifiable: string[];
  /** How many problems waiting may still cure (a sidecar, a wheel or a listed file not there yet): `wait` polls while this is not 0. */
  pending: number;
  /** Files `digests` lists that `pattern` does not select: ignored. */
  ignored: string[];
}

export interface PlanOptions {
  /** The container, for messages. */
  where: string;
  /** The `digests` input, if given. */
  truth?: Truth;
  /** Names the door refused (core/listing): their partners are not reported again. */
  refused: ReadonlySet<string>;
  /**
   * The container states digests in its listing (or could, as a web index
   * does): a file without any digest is then "no digest", not the sidecar
   * container's "no sidecar … its upload never finished".
   */
  statesDigests: boolean;
}

/**
 * Decides, from a listing that passed the door, what a run collects: a
 * distribution the patterns select is collected when it has at least one
 * digest (a sidecar in the listing, a valid listed digest, a line of
 * `digests`) and those known now agree. Otherwise it is one problem: no
 * digest, a listed digest that is no sha256, two that disagree, or (with
 * `digests`) not part of the release. A sidecar without its distribution,
 * and a file `digests` lists (and `pattern` selects) that the container
 * does not hold, are problems too.
 */
export function planListing(entries: readonly Entry[], patterns: readonly string[], options: PlanOptions): Plan {
  const { where, truth, refused } = options;
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const pairing = pairListing(byName.keys(), patterns);
  const withSidecar = new Set(pairing.pairs);
  const plan: Plan = { files: [], problems: [], unverifiable: [], pending: 0, ignored: [] };
  const refuse = (name: string, message: string, pending = false): void => {
    plan.problems.push({ message });
    plan.unverifiable.push(name);
    if (pending) plan.pending++;
  };
  for (const name of [...pairing.pairs, ...pairing.withoutSidecar].sort()) {
    const entry = byName.get(name)!;
    const sidecar = withSidecar.has(name);
    // Its sidecar was refused at the door (a link, over a cap): reported there, not used here.
    if (!sidecar && refused.has(sidecarName(name))) continue;
    const known: DigestSource[] = [];
    const listed = listedSource(entry, where);
    if (listed.problem) {
      refuse(name, listed.problem.message);
      continue;
    }
    if (listed.source) known.push(listed.source);
    if (truth) {
      const sha256 = truth.sums.get(name);
      if (sha256 === undefined) {
        refuse(name, `${name}: not in ${truth.file}: not part of this release; it was not downloaded (narrow pattern to the release's files, or list it in ${truth.file})`);
        continue;
      }
      known.push({ sha256, from: truth.file });
    }
    const conflict = disagreement(known);
    if (conflict) {
      refuse(name, conflictMessage(name, conflict));
      continue;
    }
    if (!sidecar && known.length === 0) {
      refuse(name, noDigestMessage(name, where, options.statesDigests || truth !== undefined), true);
      continue;
    }
    plan.files.push({ name, sidecar, known, ...(entry.yanked !== undefined ? { yanked: entry.yanked } : {}) });
  }
  for (const name of pairing.withoutDistribution) {
    // Its wheel was refused at the door, or `digests` names it (reported below, once).
    if (refused.has(name) || truth?.sums.has(name)) continue;
    refuse(name, `${name}: ${sidecarName(name)} is in ${where} but the wheel itself is not; re-run post-build for it`, true);
  }
  if (truth) {
    for (const name of [...truth.sums.keys()].sort()) {
      if (!matchesAny(name, patterns)) {
        plan.ignored.push(name);
      } else if (!byName.has(name) && !refused.has(name)) {
        refuse(name, `${name}: listed in ${truth.file} but not in ${where}`, true);
      }
    }
  }
  return plan;
}

/**
 * Loads the `digests` input: a SHA256SUMS file (sha256sum format), a
 * regular file of at most MAX_SUMS_BYTES, listing at least one file. Any
 * fault is an InputError naming the input and the fix, before any work.
 */
export async function loadDigests(given: string, cwd: string, input = 'digests'): Promise<Truth> {
  const path = resolve(cwd, given);
  const fix = 'give the release\'s SHA256SUMS file, one "<sha256>  <file name>" line per file as sha256sum prints it (sha256sum *.whl > SHA256SUMS)';
  let text: string;
  try {
    const handle = await openRegular(path, given);
    try {
      text = (await readBounded(handle.createReadStream(), MAX_SUMS_BYTES, given)).toString('utf8');
    } finally {
      await handle.close().catch(() => undefined);
    }
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${input}: ${given} not found (looked for ${path}); ${fix}`);
    if (error instanceof LimitError) throw new InputError(`${input}: ${messageOf(error)}; ${fix}`);
    throw new InputError(`${input}: cannot read ${given}: ${messageOf(error)}; ${fix}`);
  }
  let sums: Map<string, string>;
  try {
    sums = parseSha256Sums(text, given);
  } catch (error: unknown) {
    if (error instanceof SidecarFormatError) throw new InputError(`${input}: ${error.message}; ${fix}`);
    throw error;
  }
  if (sums.size === 0) throw new InputError(`${input}: ${given} lists no file; ${fix}`);
  return { file: given, sums };
}

/** The warning for a yanked file that was collected: its name and the index's reason, escaped. */
export function yankedMessage(name: string, reason: string, where: string): string {
  return `${name}: yanked in ${where}${reason.trim() === '' ? ' (no reason given)' : `, reason: ${quote(reason)}`}; pip installs a yanked file only when a requirement pins its exact version (PEP 592)`;
}
