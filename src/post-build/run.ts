/** post-build: hash every wheel, upload wheel then sidecar, read back and check. */
import { stat, writeFile } from 'node:fs/promises';
import type { Container } from '../containers/container.js';
import { finishAction, actionReporter, actionInputs } from '../core/action.js';
import { ConflictError, ContainerError, ContentError, messageOf, NotFoundError } from '../core/errors.js';
import { CheckPool } from '../core/check-pool.js';
import { hashAndCheck } from '../core/contents.js';
import type { Digest } from '../core/hash.js';
import { runPool } from '../core/pool.js';
import { fileProblem, FileStatus, type FileResult, type Problem, type Reporter, type RunResult, verifiedFiles } from '../core/report.js';
import { formatSidecar, sidecarName, writeSha256Sums } from '../core/sidecar.js';
import { countedRetry, type ProgressCallback, readSidecarRetrying, uploadPair, verifyRemote, type TransferRetry } from '../core/transfer.js';
import { sameDistribution } from '../core/listing.js';
import { nameProblem, quote } from '../core/untrusted.js';
import { findDistributions, type LocalFile, parseDistributionName } from '../core/wheels.js';
import { attestFiles } from './attest.js';
import { getPostBuildInputs, NoFilesFound, type PostBuildInputs } from './inputs.js';

/** The digest the container's sidecar records, undefined if there is no sidecar. */
async function remoteSidecar(container: Container, name: string, retries: number, idleTimeoutMs: number): Promise<string | undefined> {
  try {
    return await readSidecarRetrying(container, name, { retries, idleTimeoutMs });
  } catch (error: unknown) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Puts one wheel in the container unless the very same pair is already there.
 * A wheel without a sidecar is an upload that never finished: replaced.
 */
async function uploadOne(
  inputs: PostBuildInputs,
  file: LocalFile,
  digest: Digest,
  retry: TransferRetry & { onProgress?: ProgressCallback },
): Promise<FileResult> {
  const { container } = inputs;
  const recorded = await remoteSidecar(container, file.name, inputs.retries, inputs.timeout * 1000);
  if (recorded === digest.sha256) {
    try {
      await verifyRemote(container, file.name, digest);
      return { name: file.name, ...digest, status: FileStatus.Unchanged, attempts: 1 };
    } catch {
      // The sidecar matches but the stored wheel does not: our bytes are the right ones.
    }
  } else if (recorded !== undefined) {
    if (!inputs.overwrite) {
      throw new ConflictError(
        `${file.name}: ${container.url} already holds a different wheel of this name (sha256 ${recorded}, this one ${digest.sha256}); ` +
          'a rebuilt wheel must get a new version (PyPI refuses to replace a file), or set overwrite: true',
      );
    }
    // Withdraw the old commit marker first, so no reader pairs the new wheel with the old sidecar.
    await container.remove(sidecarName(file.name));
  }
  await uploadPair(container, file.name, file.path, digest, retry);
  return { name: file.name, ...digest, status: FileStatus.Uploaded, attempts: 1 };
}

/** Finds the wheels; reports an empty match as `if-no-files-found` says. */
async function findWheels(inputs: PostBuildInputs, reporter: Reporter, problems: Problem[]): Promise<LocalFile[]> {
  const files = await findDistributions(inputs.path, inputs.patterns);
  const regular = [];
  for (const file of files) {
    // A FIFO would hold the hash forever, a device would never end.
    const info = await stat(file.path);
    if (info.isFile()) regular.push(file);
    else problems.push({ file: file.path, message: `${quote(file.name)} in ${inputs.path} is not a regular file; only regular files are uploaded` });
  }
  const named = regular.filter((file) => {
    if (parseDistributionName(file.name) && !nameProblem(file.name)) return true;
    problems.push({
      file: file.path,
      message: `${quote(file.name)}: not a valid wheel or sdist file name (PEP 427: name-version(-build)?-python-abi-platform.whl); PyPI would refuse it`,
    });
    return false;
  });
  // Two names for one distribution: refused both, before either reaches the container.
  const { unique, problems: twins } = sameDistribution(
    named.map((file) => file.name),
    inputs.path,
  );
  problems.push(...twins);
  const valid = named.filter((file) => unique.includes(file.name));
  if (files.length === 0) {
    const message = `no files matching ${inputs.patterns.join(', ')} in ${inputs.path}`;
    if (inputs.ifNoFilesFound === NoFilesFound.Error) {
      problems.push({ message: `${message}; check path and pattern, or set if-no-files-found: warn` });
    } else if (inputs.ifNoFilesFound === NoFilesFound.Warn) {
      reporter.warning(message);
    } else {
      reporter.info(message);
    }
  }
  return valid;
}

/**
 * Lets a container that batches writes (artifacts) upload them and check
 * what landed. If that fails, nothing of this run landed: every file fails.
 */
async function commit(inputs: PostBuildInputs, results: FileResult[], problems: Problem[]): Promise<void> {
  try {
    await inputs.container.finish?.();
  } catch (error: unknown) {
    problems.push({ message: messageOf(error) });
    for (const result of results) result.status = FileStatus.Failed;
  }
}

/** Runs post-build with parsed inputs; never throws for a per-file problem. */
export async function postBuild(inputs: PostBuildInputs, reporter: Reporter): Promise<RunResult> {
  const problems: Problem[] = [];
  const files = await findWheels(inputs, reporter, problems);
  reporter.info(`post-build: ${files.length} file(s) from ${inputs.path} to ${inputs.container.url}`);
  // Hashing and checking on every core, one file per worker thread at a time; uploads stay here.
  const checks = new CheckPool();
  checks.warm(files.length);
  const results = await runPool(files, inputs.concurrency, async (file): Promise<FileResult> => {
    const { options, attempts } = countedRetry(inputs.retries, reporter, file.path);
    const retry = { ...options, onProgress: (bytes: number, total: number | undefined) => reporter.progress(file.name, bytes, total) };
    let result: FileResult;
    try {
      const { contentError, warnings, ...digest } = await hashAndCheck(file.path, file.name, inputs.checkContents, { strict: inputs.strict, pool: checks });
      // Broken before it was hashed: refused here, before anything reaches the container.
      if (contentError) throw new ContentError(contentError.file, contentError.member, `${contentError.detail}; not uploaded: rebuild it`);
      for (const warning of warnings ?? []) reporter.warning(warning.message, file.path);
      result = { ...(await uploadOne(inputs, file, digest, retry)), attempts: attempts(), ...(warnings ? { warnings: warnings.map((w) => w.message) } : {}) };
      if (inputs.localSidecars) await writeFile(`${file.path}.sha256`, formatSidecar(digest.sha256, file.name));
    } catch (error: unknown) {
      // One error for the run, not one per file, when the container itself is unusable.
      if (error instanceof ContainerError) throw error;
      problems.push(fileProblem(file.name, error, file.path));
      result = { name: file.name, status: FileStatus.Failed, attempts: attempts() };
    }
    reporter.fileDone(result);
    return result;
  }).finally(() => checks.close());
  await commit(inputs, results, problems);
  const result: RunResult = { files: results, problems, where: { step: 'post-build', container: inputs.container.url, path: inputs.path } };
  const done = verifiedFiles(result);
  if (done.length > 0) result.sha256sums = await writeSha256Sums(inputs.sha256sums, done);
  // Last: the wheels that landed and read back, and only those, are the attestation's subjects.
  if (inputs.attest && done.length > 0) {
    try {
      const made = await attestFiles(done, inputs.attest.token);
      result.attestation = made;
      reporter.info(`attest: build provenance attestation of ${made.subjects} file(s)${made.url ? `: ${made.url}` : ''}${made.logIndex !== undefined ? ` (Rekor log index ${made.logIndex})` : ''}`);
    } catch (error: unknown) {
      problems.push({ message: messageOf(error) });
    }
  }
  return result;
}

/** The action: inputs from the runner, results to outputs, summary and annotations. */
export async function run(): Promise<void> {
  await finishAction('wheel-guard post-build', async () => {
    const inputs = getPostBuildInputs(actionInputs);
    return postBuild(inputs, actionReporter());
  });
}
