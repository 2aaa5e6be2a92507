/**
 * `wheel-guard verify DIR`: checks the distributions in a local directory in
 * place, the last check before `twine upload`. Each file is checked against
 * the sidecar beside it, or, given a SHA256SUMS file (`--digests`, e.g. what
 * collect writes outside `dist/`), against that list (and a sidecar beside a
 * file must then agree with it), then looked inside (RECORD, names and
 * tags; an sdist's streams) unless --check-contents false. Nothing is moved
 * or written.
 *
 * `wheel-guard verify URL`: any container; collect's whole check (digests
 * from sidecars, the listing and `--digests`) into a temporary directory
 * that is removed afterwards. Nothing is placed anywhere.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collect } from '../collect/run.js';
import { getCollectInputs } from '../collect/inputs.js';
import { LocalContainer } from '../containers/local.js';
import { agreedDigest, loadDigests, sidecarSource } from '../core/digests.js';
import { IntegrityError } from '../core/errors.js';
import { type Attestations, AttestationsApiError, attestedLine, type AttestationSettings, openAttestations } from '../core/attestations.js';
import { type InputGetter, Inputs } from '../core/inputs.js';
import { admitListing, sameDistribution, withoutRefusedPartners } from '../core/listing.js';
import { CheckPool } from '../core/check-pool.js';
import { hashAndCheck } from '../core/contents.js';
import { runPool } from '../core/pool.js';
import { fileProblem, FileStatus, type FileResult, type Problem, type Reporter, type RunResult } from '../core/report.js';
import { sidecarName } from '../core/sidecar.js';
import { readSidecar } from '../core/transfer.js';
import { matchesAny, pairListing } from '../core/wheels.js';

export interface VerifyOptions {
  dir: string;
  patterns: string[];
  concurrency: number;
  /** A SHA256SUMS file to check against (`--digests`): sidecars become optional and must agree with it. */
  sha256sums?: string;
  /** Also look inside each distribution (default true). */
  checkContents?: boolean;
  /** Refuse what is odd but installable, instead of warning (default false). */
  strict?: boolean;
  /** `--attested-by`: each file also needs a build provenance attestation that workflow signed (core/attestations). */
  attestations?: AttestationSettings;
}

/** What to check: each distribution's expected digest, and the problems found on the way. */
async function expectations(options: VerifyOptions, container: LocalContainer): Promise<{ names: string[]; expected: (name: string) => Promise<string>; problems: Problem[] }> {
  const { dir, patterns } = options;
  // The same door as collect's: links, FIFOs and names no distribution can have are problems, never read.
  const admitted = admitListing(await container.list(), patterns, dir);
  const listed = admitted.entries.map((entry) => entry.name);
  const twins = sameDistribution(
    listed.filter((name) => matchesAny(name, patterns)),
    dir,
  );
  const problems: Problem[] = [...admitted.problems, ...twins.problems];
  if (options.sha256sums) {
    const { sums } = await loadDigests(options.sha256sums, process.cwd(), Inputs.Digests);
    const names = twins.unique;
    const here = new Set(listed);
    // A file the list names but pattern does not select is not this run's (as in collect).
    problems.push(
      ...names.filter((name) => !sums.has(name)).map((name) => ({ file: join(dir, name), message: `${name}: not listed in ${options.sha256sums}` })),
      ...[...sums.keys()].filter((name) => matchesAny(name, patterns) && !here.has(name)).map((name) => ({ message: `${name}: listed in ${options.sha256sums} but not in ${dir}` })),
    );
    // A sidecar beside a file is optional, but must agree with the list.
    const withSidecar = new Set(pairListing(listed, patterns).pairs);
    const expected = async (name: string): Promise<string> => {
      const truth = { sha256: sums.get(name)!, from: options.sha256sums! };
      return withSidecar.has(name) ? agreedDigest(name, [sidecarSource(name, await readSidecar(container, name)), truth], 'refused') : truth.sha256;
    };
    return { names: names.filter((name) => sums.has(name)), expected, problems };
  }
  const pairing = withoutRefusedPartners(pairListing(listed, patterns), admitted.refused);
  problems.push(
    ...pairing.withoutSidecar.map((name) => ({ file: join(dir, name), message: `${name}: no sidecar ${sidecarName(name)} beside it` })),
    ...pairing.withoutDistribution.map((name) => ({ file: join(dir, sidecarName(name)), message: `${name}: ${sidecarName(name)} is here but the wheel is not` })),
  );
  const unique = new Set(twins.unique);
  return { names: pairing.pairs.filter((name) => unique.has(name)), expected: (name) => readSidecar(container, name), problems };
}

/** Checks every distribution in `options.dir`; never throws for a per-file problem. */
export async function verifyDirectory(options: VerifyOptions, reporter: Reporter): Promise<RunResult> {
  const container = new LocalContainer(options.dir, resolve(options.dir));
  // Hashing and checking on every core, one file per worker thread at a time: the first worker starts while the directory is listed.
  // A bad --trusted-root is a usage error before any file is read.
  const attestor = options.attestations ? await openAttestations(options.attestations, (line) => reporter.info(line)) : undefined;
  const checks = new CheckPool();
  checks.warm();
  try {
    return await checkAll(options, reporter, checks, await expectations(options, container), attestor);
  } finally {
    await checks.close();
  }
}

/** verifyDirectory's files, each hashed and checked against what `expectations` says of it. */
async function checkAll(
  options: VerifyOptions,
  reporter: Reporter,
  checks: CheckPool,
  { names, expected, problems }: Awaited<ReturnType<typeof expectations>>,
  attestor?: Attestations,
): Promise<RunResult> {
  checks.warm(names.length);
  // Nothing is moved: `concurrency` only bounds how many files are under way, and the pool is kept fed.
  const files = await runPool(names, Math.max(options.concurrency, checks.capacity + checks.size), async (name): Promise<FileResult> => {
    let result: FileResult;
    try {
      const sha256 = await expected(name);
      const { contentError, warnings, ...digest } = await hashAndCheck(join(options.dir, name), name, options.checkContents ?? true, { strict: options.strict ?? false, pool: checks });
      for (const warning of warnings ?? []) reporter.warning(warning.message, join(options.dir, name));
      if (digest.sha256 !== sha256) throw new IntegrityError(name, sha256, digest.sha256, digest.size);
      if (contentError) throw contentError;
      if (attestor) reporter.info(attestedLine(name, await attestor.check(name, digest.sha256)));
      result = { name, ...digest, status: FileStatus.Verified, attempts: 1, ...(warnings ? { warnings: warnings.map((w) => w.message) } : {}) };
    } catch (error: unknown) {
      // The attestations API refusing the token is one error for the run, not one per file.
      if (error instanceof AttestationsApiError) throw error;
      problems.push(fileProblem(name, error, join(options.dir, name)));
      result = { name, status: FileStatus.Failed, attempts: 1 };
    }
    reporter.fileDone(result);
    return result;
  });
  if (files.length === 0 && problems.length === 0) {
    problems.push({ message: `no files matching ${options.patterns.join(', ')} in ${options.dir}` });
  }
  return { files, problems };
}

/** A scheme before `://`: a container URL, not a directory (as containers/index.ts reads it). */
export function isContainerUrl(target: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target.trim());
}

/**
 * Checks what a container holds without placing it anywhere: collect into a
 * temporary directory under the system's, removed afterwards (on failure
 * too). `get` gives collect's inputs (container settings, `digests`,
 * retries); `path`, `sha256sums`, `expected`, `wait` and `requirements` are this run's own.
 */
export async function verifyContainer(url: string, get: InputGetter, reporter: Reporter, cwd: string = process.cwd()): Promise<RunResult> {
  const root = await mkdtemp(join(tmpdir(), 'wheel-guard-verify-'));
  try {
    const own: Record<string, string> = {
      [Inputs.Container]: url,
      [Inputs.Path]: join(root, 'dist'),
      [Inputs.Sha256Sums]: join(root, 'SHA256SUMS'),
      [Inputs.Expected]: '',
      [Inputs.Wait]: '',
      // Written by the verify command itself (cli/main.ts), its header naming no directory about to go.
      [Inputs.Requirements]: '',
    };
    const inputs = getCollectInputs((name) => own[name] ?? get(name), cwd);
    // The SHA256SUMS collect wrote is in the directory about to go: not reported.
    const { files, problems } = await collect(inputs, reporter);
    return { files, problems };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
