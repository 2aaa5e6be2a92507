/**
 * collect: list the container, pair wheels with sidecars, download each into
 * a temporary file while hashing it, retry what fails, move only verified
 * wheels into `path`, and report every problem of the run at once.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container } from '../containers/container.js';
import { actionInputs, actionReporter, finishAction } from '../core/action.js';
import { checkDistribution } from '../core/contents.js';
import { ContainerError, ContentError, IntegrityError } from '../core/errors.js';
import { hashFile } from '../core/hash.js';
import { runPool } from '../core/pool.js';
import { fileProblem, FileStatus, type FileResult, type Problem, type Reporter, type RunResult, verifiedFiles } from '../core/report.js';
import { retry } from '../core/retry.js';
import { sidecarName, writeSha256Sums } from '../core/sidecar.js';
import { countedRetry, downloadVerified, readSidecarRetrying } from '../core/transfer.js';
import { matchesAny, type Pairing, pairListing } from '../core/wheels.js';
import { type CollectInputs, getCollectInputs } from './inputs.js';

/** Seconds between listings while waiting for pairs to arrive. */
const POLL_SECONDS = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a listing is complete: every wheel paired, every expected pattern present. */
function complete(pairing: Pairing, expected: readonly string[]): boolean {
  return (
    pairing.withoutSidecar.length === 0 &&
    pairing.withoutDistribution.length === 0 &&
    expected.every((pattern) => pairing.pairs.some((name) => matchesAny(name, [pattern])))
  );
}

/** Lists and pairs the container, polling up to `wait` seconds for an incomplete set. */
async function listPairs(inputs: CollectInputs, reporter: Reporter): Promise<{ pairing: Pairing; sizes: Map<string, number> }> {
  const deadline = Date.now() + inputs.wait * 1000;
  for (;;) {
    const entries = await retry(() => inputs.container.list(), { retries: inputs.retries });
    const pairing = pairListing(
      entries.map((entry) => entry.name),
      inputs.patterns,
    );
    const remaining = deadline - Date.now();
    if (complete(pairing, inputs.expected) || remaining <= 0) {
      return { pairing, sizes: new Map(entries.map((entry) => [entry.name, entry.size])) };
    }
    reporter.info(
      `waiting for ${pairing.withoutSidecar.length + pairing.withoutDistribution.length} unpaired file(s) or expected wheels; ` +
        `${Math.ceil(remaining / 1000)} s left`,
    );
    await sleep(Math.min(POLL_SECONDS * 1000, remaining));
  }
}

/** Removes temporary files a killed earlier run left in `path`. */
async function removeLeftovers(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (/^\..+\.wg-[0-9a-f]+\.tmp$/.test(name)) await rm(join(dir, name), { force: true });
  }
}

/**
 * Collects one pair into `path`: skipped if already there with the right
 * hash, else downloaded and verified. A failure is added to `problems` and
 * leaves no file of that name in `path`.
 */
async function collectOne(
  container: Container,
  name: string,
  size: number | undefined,
  inputs: CollectInputs,
  reporter: Reporter,
  problems: Problem[],
): Promise<FileResult> {
  const { options: retryOptions, attempts } = countedRetry(inputs.retries, reporter);
  const target = join(inputs.path, name);
  // After the sidecar matched: a wheel broken inside was broken when post-build hashed it.
  const checkContents = async (file: string): Promise<void> => {
    if (!inputs.checkContents) return;
    await checkDistribution(file, name).catch((error: unknown) => {
      if (!(error instanceof ContentError)) throw error;
      throw new ContentError(error.file, error.member, `${error.detail}; its sidecar matches, so it was broken before upload: rebuild it`);
    });
  };
  try {
    let expected = await readSidecarRetrying(container, name, retryOptions);
    const present = await hashFile(target).catch(() => undefined);
    if (present?.sha256 === expected) {
      await checkContents(target);
      return { name, ...present, status: FileStatus.Present, attempts: 0 };
    }
    const download = (sha256: string) =>
      downloadVerified(container, name, sha256, size, inputs.path, {
        ...retryOptions,
        onProgress: (bytes, total) => reporter.progress(name, bytes, total),
        verify: checkContents,
        idleTimeoutMs: inputs.timeout * 1000,
      });
    let result;
    try {
      result = await download(expected);
    } catch (error: unknown) {
      // A sidecar damaged in transit can still read as a well-formed digest, just not this
      // wheel's: read it once more before blaming the wheel.
      if (!(error instanceof IntegrityError)) throw error;
      const again = await readSidecarRetrying(container, name, retryOptions);
      if (again === expected) throw error;
      expected = again;
      result = await download(expected);
    }
    return { name, sha256: result.sha256, size: result.size, status: FileStatus.Verified, attempts: result.attempts };
  } catch (error: unknown) {
    await rm(target, { force: true });
    // One error for the run, not one per file, when the container itself is unusable.
    if (error instanceof ContainerError) throw error;
    problems.push(fileProblem(name, error));
    return { name, status: FileStatus.Failed, attempts: attempts() };
  }
}

/** Runs collect with parsed inputs; never throws for a per-file problem. */
export async function collect(inputs: CollectInputs, reporter: Reporter): Promise<RunResult> {
  try {
    return await collectPairs(inputs, reporter);
  } finally {
    await inputs.container.finish?.();
  }
}

async function collectPairs(inputs: CollectInputs, reporter: Reporter): Promise<RunResult> {
  const { container } = inputs;
  await mkdir(inputs.path, { recursive: true });
  await removeLeftovers(inputs.path);
  const { pairing, sizes } = await listPairs(inputs, reporter);
  const problems: Problem[] = [];
  for (const name of pairing.withoutSidecar) {
    problems.push({ message: `${name}: no sidecar ${sidecarName(name)} in ${container.url}; its upload never finished, or post-build did not put it there` });
  }
  for (const name of pairing.withoutDistribution) {
    problems.push({ message: `${name}: ${sidecarName(name)} is in ${container.url} but the wheel itself is not; re-run post-build for it` });
  }
  for (const name of [...pairing.withoutSidecar, ...pairing.withoutDistribution]) {
    await rm(join(inputs.path, name), { force: true });
  }
  reporter.info(`collect: ${pairing.pairs.length} pair(s) from ${container.url} into ${inputs.path}`);

  const files = await runPool(pairing.pairs, inputs.concurrency, async (name) => {
    const result = await collectOne(container, name, sizes.get(name), inputs, reporter, problems);
    reporter.fileDone(result);
    return result;
  });

  const verified = files.filter((file) => file.status !== FileStatus.Failed).map((file) => file.name);
  for (const pattern of inputs.expected) {
    if (!verified.some((name) => matchesAny(name, [pattern]))) {
      problems.push({ message: `expected ${pattern}: no verified file matches it in ${container.url}` });
    }
  }
  await warnAboutStrangers(inputs, new Set(files.map((file) => file.name)), reporter);

  const result: RunResult = { files, problems };
  const done = verifiedFiles(result);
  if (done.length > 0) result.sha256sums = await writeSha256Sums(inputs.sha256sums, done);
  return result;
}

/** Warns about files in `path` this run did not verify: twine would upload them too. */
async function warnAboutStrangers(inputs: CollectInputs, known: Set<string>, reporter: Reporter): Promise<void> {
  const strangers = (await readdir(inputs.path)).filter((name) => !known.has(name) && !name.startsWith('.'));
  if (strangers.length > 0) {
    reporter.warning(
      `${inputs.path} also holds ${strangers.join(', ')}, which this run did not verify; ` +
        '`twine upload` would upload them too: remove them or collect into an empty directory',
    );
  }
}

/** The action: inputs from the runner, results to outputs, summary and annotations. */
export async function run(): Promise<void> {
  await finishAction('wheel-guard collect', async () => collect(getCollectInputs(actionInputs), actionReporter()));
}
