/**
 * collect: list the container, pair wheels with sidecars, download each into
 * a temporary file while hashing it, retry what fails, move only verified
 * wheels into `path`, and report every problem of the run at once.
 */
import type { Stats } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Entry } from '../containers/container.js';
import { actionInputs, actionReporter, finishAction } from '../core/action.js';
import { type CheckResult, CheckPool } from '../core/check-pool.js';
import { ContainerError, ContentError, IntegrityError } from '../core/errors.js';
import { lockDirectory, lstatOrNothingSync, nameKey, NotRegularFileError } from '../core/files.js';
import type { Digest } from '../core/hash.js';
import { Inputs, NoFilesFound } from '../core/inputs.js';
import { agreedDigest, disagreement, loadDigests, type Plan, type PlannedFile, planListing, sidecarSource, type Truth, yankedMessage } from '../core/digests.js';
import { admitListing, sameDistribution } from '../core/listing.js';
import { type Attestations, attestedLine, openAttestations } from '../core/attestations.js';
import { runPool } from '../core/pool.js';
import { fileProblem, FileStatus, type FileResult, type Problem, type Reporter, type RunResult, verifiedFiles } from '../core/report.js';
import { finishRequirements } from '../core/requirements-file.js';
import { finishIndex } from '../core/index-writer.js';
import { retry } from '../core/retry.js';
import { writeSha256Sums } from '../core/sidecar.js';
import { countedRetry, downloadVerified, readSidecar, readSidecarRetrying } from '../core/transfer.js';
import { quote } from '../core/untrusted.js';
import { matchesAny } from '../core/wheels.js';
import { type CollectInputs, getCollectInputs } from './inputs.js';

/** Seconds between listings while waiting for pairs to arrive. */
const POLL_SECONDS = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a listing is complete: nothing still arriving, every expected pattern present. */
function complete(plan: Plan, expected: readonly string[]): boolean {
  return plan.pending === 0 && expected.every((pattern) => plan.files.some((file) => matchesAny(file.name, [pattern])));
}

/** A listing as the run may use it: what to collect, the sizes the store gave, and what is wrong with the rest. */
interface Listing {
  plan: Plan;
  sizes: Map<string, number | undefined>;
  problems: Problem[];
}

/**
 * Lists the container, passes every name through the door, and plans what
 * got in (a digest for each file: sidecar, listing, `digests`), polling up
 * to `wait` seconds for an incomplete set.
 */
async function listPairs(inputs: CollectInputs, truth: Truth | undefined, reporter: Reporter): Promise<Listing> {
  const deadline = Date.now() + inputs.wait * 1000;
  const { container } = inputs;
  for (;;) {
    const listed: Entry[] = await retry(() => container.list(), { retries: inputs.retries });
    const { entries, problems, refused } = admitListing(listed, inputs.patterns, container.url);
    const statesDigests = container.readOnly === true || entries.some((entry) => entry.listedSha256 !== undefined);
    const plan = planListing(entries, inputs.patterns, { where: container.url, refused, statesDigests, ...(truth ? { truth } : {}) });
    const remaining = deadline - Date.now();
    if (complete(plan, inputs.expected) || remaining <= 0) {
      return { plan, sizes: new Map(entries.map((entry) => [entry.name, entry.size])), problems };
    }
    const what = truth ? `file(s) still missing (listed in ${truth.file}, or unpaired)` : 'unpaired file(s)';
    reporter.info(`waiting for ${plan.pending} ${what} or expected wheels; ${Math.ceil(remaining / 1000)} s left`);
    await sleep(Math.min(POLL_SECONDS * 1000, remaining));
  }
}

/** The identity of a file on disk: another process replacing it changes one of these. */
const sameFile = (a: Stats, b: Stats): boolean => a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** What `path` holds under a name: a regular file's digest and identity (and its content check, if asked), or a thing that is no wheel. */
interface Found {
  digest?: Digest;
  /** The content check of those same bytes, when asked for. */
  checked?: CheckResult;
  info: Stats;
}

/**
 * Looks at what `path` already holds under `name`, without following a
 * symbolic link: a link, a FIFO or a folder there is never taken as a wheel
 * already present. Hashed in `checks` (a worker thread), and checked in the
 * same read when `check` says so.
 */
async function inspect(target: string, name: string, checks: CheckPool, check?: { strict: boolean }): Promise<Found | undefined> {
  const info = lstatOrNothingSync(target);
  if (!info) return undefined;
  if (!info.isFile()) return { info };
  const checked = await checks.run({ path: target, fileName: name, hash: true, check: check !== undefined, strict: check?.strict ?? false, regular: true }).catch((error: unknown) => {
    // What cannot be opened as a regular file is no wheel already present; a failing read is a problem.
    if (error instanceof NotRegularFileError || (error as NodeJS.ErrnoException).syscall === 'open') return undefined;
    throw error;
  });
  if (!checked?.sha256) return { info };
  return { info, digest: { sha256: checked.sha256, size: checked.size }, ...(check ? { checked } : {}) };
}

/** A verified file and the identity it had in `path` when this run was done with it. */
interface Placed {
  name: string;
  sha256: string;
  info: Stats;
}

/**
 * Sidecars read ahead of their wheels: while `concurrency` files download,
 * the sidecars of the next ones are already on their way, so a small wheel's
 * download no longer waits behind its own sidecar's round trip. One plain
 * read each (no retry, its failure kept, not thrown): collectOne uses it if
 * it came, and otherwise reads the sidecar as before, with its retries.
 */
class SidecarsAhead {
  private readonly reads = new Map<string, Promise<string | undefined>>();
  private next = 0;

  constructor(
    private readonly container: Container,
    private readonly files: readonly PlannedFile[],
    private readonly ahead: number,
    private readonly idleMs: number,
  ) {}

  /** Starts the reads of the sidecars after file `index`, up to `ahead` of them. */
  startAfter(index: number): void {
    this.next = Math.max(this.next, index + 1);
    for (; this.next < Math.min(this.files.length, index + 1 + this.ahead); this.next++) {
      const file = this.files[this.next]!;
      if (!file.sidecar) continue;
      this.reads.set(file.name, readSidecar(this.container, file.name, this.idleMs).catch(() => undefined));
    }
  }

  /** The sidecar's digest read ahead, or undefined (not read ahead, or that read failed); each is handed out once. */
  take(name: string): Promise<string | undefined> {
    const read = this.reads.get(name) ?? Promise.resolve(undefined);
    this.reads.delete(name);
    return read;
  }
}

/**
 * Collects one file into `path`: skipped if already there with the right
 * hash, else downloaded and verified. Its expected sha256 is the one every
 * source agrees on (its sidecar, read now, and what the listing and
 * `digests` state); two that disagree refuse it before any download. A
 * failure is added to `problems`; the run removes only what it proved wrong
 * (a file it found in `path` with another hash, or a link there, still
 * unchanged), never a file another run put there since.
 */
async function collectOne(
  container: Container,
  file: PlannedFile,
  size: number | undefined,
  inputs: RunInputs,
  reporter: Reporter,
  problems: Problem[],
  placed: Placed[],
  ahead?: Promise<string | undefined>,
): Promise<FileResult> {
  const { name } = file;
  const { options: retryOptions, attempts } = countedRetry(inputs.retries, reporter);
  const sidecarOptions = { ...retryOptions, idleTimeoutMs: inputs.timeout * 1000 };
  const target = join(inputs.path, name);
  // After the digests matched: a wheel broken inside was broken when it was hashed.
  const judge = ({ contentError, warnings = [] }: CheckResult): void => {
    if (contentError) throw new ContentError(contentError.file, contentError.member, `${contentError.detail}; ${file.sidecar ? 'its sidecar matches' : 'its digest matches'}, so it was broken before upload: rebuild it`);
    for (const warning of warnings) reporter.warning(warning.message);
    odd.push(...warnings.map((w) => w.message));
  };
  // The download hashed the file as it came: a worker thread checks it (check only, one read).
  const checkContents = async (temp: string): Promise<void> => {
    if (!inputs.checkContents) return;
    judge(await inputs.checks.run({ path: temp, fileName: name, hash: false, check: true, strict: inputs.strict }));
  };
  // After the sha256 verified, before the file is placed (or kept): its provenance, when attested-by asks (core/attestations).
  const attested = async (sha256: string): Promise<void> => {
    if (inputs.attestor) reporter.info(attestedLine(name, await inputs.attestor.check(name, sha256)));
  };
  const odd: string[] = [];
  const done = (result: FileResult): FileResult => {
    // Collected from an index that yanked it: said, not refused (the digests vouch for the bytes).
    if (file.yanked !== undefined) {
      const message = yankedMessage(name, file.yanked, container.url);
      reporter.warning(message);
      odd.push(message);
    }
    return odd.length > 0 ? { ...result, warnings: odd } : result;
  };
  const readOwnSidecar = async () => sidecarSource(name, await readSidecarRetrying(container, name, sidecarOptions));
  // What `path` held under this name when the run began: removed on failure only if still that same file.
  const before = inputs.before.get(nameKey(name));
  try {
    const early = file.sidecar ? await ahead : undefined;
    let sidecar = file.sidecar ? (early !== undefined ? sidecarSource(name, early) : await readOwnSidecar()) : undefined;
    // A sidecar damaged in transit can still read as a well-formed digest: read it once more before refusing the wheel.
    if (sidecar && disagreement([sidecar, ...file.known])) sidecar = await readOwnSidecar();
    let expected = agreedDigest(name, sidecar ? [sidecar, ...file.known] : file.known);
    const found = await inspect(target, name, inputs.checks, inputs.checkContents ? { strict: inputs.strict } : undefined);
    if (found?.digest?.sha256 === expected) {
      if (found.checked) judge(found.checked);
      await attested(expected);
      placed.push({ name, sha256: expected, info: found.info });
      return done({ name, ...found.digest, status: FileStatus.Present, attempts: 0 });
    }
    const download = (sha256: string) =>
      downloadVerified(container, name, sha256, size, inputs.path, {
        ...retryOptions,
        onProgress: (bytes, total) => reporter.progress(name, bytes, total),
        verify: async (temp) => {
          await checkContents(temp);
          await attested(sha256);
        },
        idleTimeoutMs: inputs.timeout * 1000,
      });
    let result;
    try {
      result = await download(expected);
    } catch (error: unknown) {
      // When the sidecar is the only source, a sidecar damaged in transit can still read as a
      // well-formed digest, just not this wheel's: read it once more before blaming the wheel.
      // A digest another source confirms is not read again.
      if (!(error instanceof IntegrityError) || !sidecar || file.known.length > 0) throw error;
      const again = await readSidecarRetrying(container, name, sidecarOptions);
      if (again === expected) throw error;
      expected = again;
      result = await download(expected);
    }
    const info = lstatOrNothingSync(target);
    if (info) placed.push({ name, sha256: result.sha256, info });
    return done({ name, sha256: result.sha256, size: result.size, status: FileStatus.Verified, attempts: result.attempts });
  } catch (error: unknown) {
    await removeIfUnchanged(target, before);
    // One error for the run, not one per file, when the container itself is unusable.
    if (error instanceof ContainerError) throw error;
    problems.push(fileProblem(name, error));
    return { name, status: FileStatus.Failed, attempts: attempts() };
  }
}

/**
 * Removes what this run found in `path` under a wheel's name and could not
 * verify (an older copy, another hash, a link), if it is still the very same
 * file: if another run has put a file there since, that file is not this
 * run's to judge (and that run checks its own files at its end).
 */
async function removeIfUnchanged(target: string, before: Stats | undefined): Promise<void> {
  if (!before) return;
  const now = lstatOrNothingSync(target);
  if (now && sameFile(now, before)) await rm(target, { force: true });
}

/**
 * Checks, once the run is done, that every file it verified is still in
 * `path` with the bytes it verified: another process writing into the same
 * directory must turn a success into a failure, never into missing files.
 */
async function stillPlaced(inputs: CollectInputs & { checks: CheckPool }, placed: readonly Placed[], problems: Problem[], files: FileResult[]): Promise<void> {
  for (const file of placed) {
    const target = join(inputs.path, file.name);
    const now = lstatOrNothingSync(target);
    if (now && sameFile(now, file.info)) continue;
    // Replaced by another run with the same bytes is as good as untouched.
    const found = now ? await inspect(target, file.name, inputs.checks).catch(() => undefined) : undefined;
    if (found?.digest?.sha256 === file.sha256) continue;
    problems.push({
      message: `${file.name}: verified, then ${now ? 'replaced' : 'removed'} in ${inputs.path} by another process during this run; collect into a directory no other job writes to`,
    });
    const result = files.find((f) => f.name === file.name);
    if (result) result.status = FileStatus.Failed;
  }
}

/** The inputs as one run uses them: with what `path` held when it began, the check pool, the attestation checker. */
type RunInputs = CollectInputs & { before: Map<string, Stats>; checks: CheckPool; attestor?: Attestations };

/** Runs collect with parsed inputs; never throws for a per-file problem. */
export async function collect(inputs: CollectInputs, reporter: Reporter): Promise<RunResult> {
  try {
    // The digests input is read before any work: a bad one stops the run with one clear line.
    const truth = inputs.digests ? await loadDigests(inputs.digests.given, inputs.digests.cwd, Inputs.Digests) : undefined;
    // So is the trusted-root file, if given: one checker for the run (its roots loaded once).
    const attestor = inputs.attestations ? await openAttestations(inputs.attestations, (line) => reporter.info(line)) : undefined;
    await mkdir(inputs.path, { recursive: true });
    const lock = await lockDirectory(inputs.path);
    try {
      return await collectPairs(inputs, truth, reporter, attestor);
    } finally {
      await lock.release();
    }
  } finally {
    await inputs.container.finish?.();
  }
}

/** What the listing says is wrong before any download: files without a digest, twins, nothing at all. */
function listingProblems(inputs: CollectInputs, listing: Listing, truth: Truth | undefined, reporter: Reporter): { files: PlannedFile[]; unpaired: string[]; problems: Problem[] } {
  const { container } = inputs;
  const { plan } = listing;
  const problems: Problem[] = [...listing.problems, ...plan.problems];
  if (truth && plan.ignored.length > 0) {
    const shown = plan.ignored.slice(0, 20).join(', ') + (plan.ignored.length > 20 ? ` and ${plan.ignored.length - 20} more` : '');
    reporter.info(`${truth.file} also lists ${plan.ignored.length} file(s) that pattern ${inputs.patterns.join(', ')} does not select, ignored: ${shown}`);
  }
  const { unique, problems: twins } = sameDistribution(
    plan.files.map((file) => file.name),
    container.url,
  );
  problems.push(...twins);
  const kept = new Set(unique);
  const files = plan.files.filter((file) => kept.has(file.name));
  const byDigest = truth !== undefined || container.readOnly === true;
  // Where files are judged by their digests, files already named above are not "nothing found" too.
  if (files.length === 0 && !(byDigest && plan.problems.length > 0)) {
    const what = byDigest ? 'file with a digest' : 'wheel/sidecar pair';
    const message = `no ${what} matching ${inputs.patterns.join(', ')} in ${container.url}`;
    if (inputs.ifNoFilesFound === NoFilesFound.Error) {
      problems.push({ message: `${message}; check the container (a typo in the prefix?) and pattern, or set if-no-files-found: warn` });
    } else if (inputs.ifNoFilesFound === NoFilesFound.Warn) {
      reporter.warning(message);
    } else {
      reporter.info(message);
    }
  }
  return { files, unpaired: plan.unverifiable, problems };
}

/**
 * What `path` holds as the run begins. Only these files are this run's to
 * judge: a file another run places there later is never removed by this one.
 */
async function snapshot(dir: string): Promise<Map<string, Stats>> {
  const found = new Map<string, Stats>();
  for (const name of await readdir(dir)) {
    if (name.startsWith('.')) continue;
    const info = lstatOrNothingSync(join(dir, name));
    if (info) found.set(nameKey(name), info);
  }
  return found;
}

async function collectPairs(plainInputs: CollectInputs, truth: Truth | undefined, reporter: Reporter, attestor: Attestations | undefined): Promise<RunResult> {
  // Hashing and checking on every core, one file per worker thread at a time; downloads stay here.
  const checks = new CheckPool();
  try {
    return await collectPairsWith({ ...plainInputs, before: await snapshot(plainInputs.path), checks, ...(attestor ? { attestor } : {}) }, truth, reporter);
  } finally {
    await checks.close();
  }
}

async function collectPairsWith(inputs: RunInputs, truth: Truth | undefined, reporter: Reporter): Promise<RunResult> {
  const { container } = inputs;
  // What the container itself warns about (plain http:// off this machine), once, before anything is read.
  for (const warning of container.warnings ?? []) reporter.warning(warning);
  const listing = await listPairs(inputs, truth, reporter);
  const { files: planned, unpaired, problems } = listingProblems(inputs, listing, truth, reporter);
  // A copy in `path` of a wheel the container cannot vouch for (an earlier run's) is not left there as if verified.
  for (const name of unpaired) await removeIfUnchanged(join(inputs.path, name), inputs.before.get(nameKey(name)));
  reporter.info(`collect: ${planned.length} file(s) from ${container.url} into ${inputs.path}${truth ? `, checked against ${truth.file}` : ''}`);
  // A worker thread starts while the first files download (it will check them).
  if (inputs.checkContents) inputs.checks.warm(planned.length);

  const placed: Placed[] = [];
  const sidecars = new SidecarsAhead(container, planned, inputs.concurrency, inputs.timeout * 1000);
  const files = await runPool(planned, inputs.concurrency, async (file, index) => {
    sidecars.startAfter(index);
    const result = await collectOne(container, file, listing.sizes.get(file.name), inputs, reporter, problems, placed, sidecars.take(file.name));
    reporter.fileDone(result);
    return result;
  });
  await stillPlaced(inputs, placed, problems, files);

  const verified = files.filter((file) => file.status !== FileStatus.Failed).map((file) => file.name);
  for (const pattern of inputs.expected) {
    if (!verified.some((name) => matchesAny(name, [pattern]))) {
      problems.push({ message: `expected ${pattern}: no verified file matches it in ${container.url}` });
    }
  }
  await warnAboutStrangers(inputs, new Set(files.map((file) => file.name)), reporter);

  const result: RunResult = {
    files,
    problems,
    where: { step: 'collect', container: container.url, path: inputs.path },
    ...(inputs.attestations ? { attestedBy: inputs.attestations.attestedBy.given } : {}),
  };
  const done = verifiedFiles(result);
  if (done.length > 0 && inputs.digests?.isSha256Sums) {
    reporter.info(`${inputs.sha256sums} is the digests file this run checked against: left as it is (set sha256sums to another file to have one written)`);
  } else if (done.length > 0) {
    result.sha256sums = await writeSha256Sums(inputs.sha256sums, done);
  }
  // Last: only a run without a single problem gets a requirements file (core/requirements-file).
  if (inputs.requirements) await finishRequirements(result, inputs.requirements, { command: 'collect', findLinks: inputs.path }, reporter);
  // Last of all: the index lists the verified files only when the whole run verified (core/index-writer).
  if (inputs.index) {
    await finishIndex(result, inputs.index, { command: 'collect', fromDir: inputs.path, sourceUrl: container.url, retries: inputs.retries, concurrency: inputs.concurrency }, reporter);
  }
  return result;
}

/** Warns about files in `path` this run did not verify: twine would upload them too. */
async function warnAboutStrangers(inputs: CollectInputs, known: Set<string>, reporter: Reporter): Promise<void> {
  const strangers = (await readdir(inputs.path)).filter((name) => !known.has(name) && !name.startsWith('.'));
  if (strangers.length > 0) {
    const shown = strangers.slice(0, 20).map(quote).join(', ') + (strangers.length > 20 ? ` and ${strangers.length - 20} more` : '');
    reporter.warning(
      `${inputs.path} also holds ${shown}, which this run did not verify; ` +
        '`twine upload` would upload them too: remove them or collect into an empty directory',
    );
  }
}

/** The action: inputs from the runner, results to outputs, summary and annotations. */
export async function run(): Promise<void> {
  await finishAction('wheel-guard collect', async () => collect(getCollectInputs(actionInputs), actionReporter()));
}
