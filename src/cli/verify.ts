/**
 * `wheel-guard verify DIR`: checks the distributions in a local directory in
 * place, the last check before `twine upload`. Each file is checked against
 * the sidecar beside it, or, given a SHA256SUMS file (what collect writes
 * outside `dist/`), against that list, then looked inside (RECORD, names and
 * tags; an sdist's streams) unless --check-contents false. Nothing is moved
 * or written.
 */
import { join, resolve } from 'node:path';
import { LocalContainer } from '../containers/local.js';
import { MAX_SUMS_BYTES, readBounded } from '../core/bounds.js';
import { IntegrityError } from '../core/errors.js';
import { openRegular } from '../core/files.js';
import { admitListing, sameDistribution, withoutRefusedPartners } from '../core/listing.js';
import { CheckPool } from '../core/check-pool.js';
import { hashAndCheck } from '../core/contents.js';
import { runPool } from '../core/pool.js';
import { fileProblem, FileStatus, type FileResult, type Problem, type Reporter, type RunResult } from '../core/report.js';
import { parseSha256Sums, sidecarName } from '../core/sidecar.js';
import { readSidecar } from '../core/transfer.js';
import { matchesAny, pairListing } from '../core/wheels.js';

export interface VerifyOptions {
  dir: string;
  patterns: string[];
  concurrency: number;
  /** A SHA256SUMS file to check against instead of sidecars. */
  sha256sums?: string;
  /** Also look inside each distribution (default true). */
  checkContents?: boolean;
  /** Refuse what is odd but installable, instead of warning (default false). */
  strict?: boolean;
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
    const file = await openRegular(options.sha256sums, options.sha256sums);
    const text = (await readBounded(file.createReadStream(), MAX_SUMS_BYTES, options.sha256sums)).toString('utf8');
    const sums = parseSha256Sums(text, options.sha256sums);
    const names = twins.unique;
    problems.push(
      ...names.filter((name) => !sums.has(name)).map((name) => ({ file: join(dir, name), message: `${name}: not listed in ${options.sha256sums}` })),
      ...[...sums.keys()].filter((name) => !listed.includes(name)).map((name) => ({ message: `${name}: listed in ${options.sha256sums} but not in ${dir}` })),
    );
    return { names: names.filter((name) => sums.has(name)), expected: async (name) => sums.get(name)!, problems };
  }
  const pairing = withoutRefusedPartners(pairListing(listed, patterns), admitted.refused);
  problems.push(
    ...pairing.withoutSidecar.map((name) => ({ file: join(dir, name), message: `${name}: no sidecar ${sidecarName(name)} beside it` })),
    ...pairing.withoutDistribution.map((name) => ({ file: join(dir, sidecarName(name)), message: `${name}: ${sidecarName(name)} is here but the wheel is not` })),
  );
  return { names: pairing.pairs.filter((name) => twins.unique.includes(name)), expected: (name) => readSidecar(container, name), problems };
}

/** Checks every distribution in `options.dir`; never throws for a per-file problem. */
export async function verifyDirectory(options: VerifyOptions, reporter: Reporter): Promise<RunResult> {
  const container = new LocalContainer(options.dir, resolve(options.dir));
  const { names, expected, problems } = await expectations(options, container);
  // Hashing and checking on every core, one file per worker thread at a time.
  const checks = new CheckPool();
  const files = await runPool(names, options.concurrency, async (name): Promise<FileResult> => {
    let result: FileResult;
    try {
      const sha256 = await expected(name);
      const { contentError, warnings, ...digest } = await hashAndCheck(join(options.dir, name), name, options.checkContents ?? true, { strict: options.strict ?? false, pool: checks });
      for (const warning of warnings ?? []) reporter.warning(warning.message, join(options.dir, name));
      if (digest.sha256 !== sha256) throw new IntegrityError(name, sha256, digest.sha256, digest.size);
      if (contentError) throw contentError;
      result = { name, ...digest, status: FileStatus.Verified, attempts: 1, ...(warnings ? { warnings: warnings.map((w) => w.message) } : {}) };
    } catch (error: unknown) {
      problems.push(fileProblem(name, error, join(options.dir, name)));
      result = { name, status: FileStatus.Failed, attempts: 1 };
    }
    reporter.fileDone(result);
    return result;
  }).finally(() => checks.close());
  if (files.length === 0 && problems.length === 0) {
    problems.push({ message: `no files matching ${options.patterns.join(', ')} in ${options.dir}` });
  }
  return { files, problems };
}
