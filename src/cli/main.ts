/** The CLI: `wheel-guard post-build | collect | verify | demo`, flags named like the action's inputs. */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { collect } from '../collect/run.js';
import { attestationsOf, getCollectInputs } from '../collect/inputs.js';
import { InputError, messageOf, WheelGuardError } from '../core/errors.js';
import { DEFAULT_PATTERNS, getBoolean, getInteger, getList, type InputGetter, Inputs } from '../core/inputs.js';
import type { Reporter, RunResult } from '../core/report.js';
import { finishRequirements, getRequirementsTarget } from '../core/requirements-file.js';
import { formatTable } from '../core/summary.js';
import { getPostBuildInputs } from '../post-build/inputs.js';
import { postBuild } from '../post-build/run.js';
import { plain } from '../core/untrusted.js';
import { terminalReporter, type Terminal } from './reporter.js';
import { isContainerUrl, verifyContainer, verifyDirectory } from './verify.js';
import { indexCommand } from './make-index.js';

/** Exit codes, as documented in the README. */
export enum ExitCode {
  Ok = 0,
  /** A wheel failed verification, or the set is incomplete. */
  Failed = 1,
  /** A bad command, flag or input. */
  Usage = 2,
}

export const USAGE = `wheel-guard: guard Python wheels on every hop between build jobs and PyPI

usage:
  wheel-guard post-build --container URL [--path wheelhouse] [options]
  wheel-guard collect    --container URL [--path dist] [--expected GLOB]... [options]
  wheel-guard verify     DIR [--digests FILE] [--pattern GLOB]... [--check-contents false]
  wheel-guard verify     URL [--digests FILE] [--pattern GLOB]... [container options]
  wheel-guard index      DIR --output ROOT | --container URL [--digests FILE] [--pattern GLOB]...
  wheel-guard demo       [--path DIR]   post-build then collect the shipped sample wheels

containers: a directory path, file:///absolute/path, s3://bucket/prefix, artifact://NAME (collect: artifact://PATTERN),
            https://… (collect and verify only: a package index page, a directory listing, a SHA256SUMS)

verify DIR checks a local directory in place (each file against the sidecar beside it, or --digests).
verify URL (any container URL: file://, s3://, artifact://, https://) checks what the container holds
as collect would, downloading into a temporary directory that is removed afterwards; nothing is placed.
index DIR verifies DIR as verify DIR does and, only if every file verified, writes a PEP 503/691 simple index
of them (pip install --index-url …/simple/ NAME) to --output ROOT (a directory; DIR itself indexes it in place)
or --container URL (s3://, azure://): ROOT/FILE, ROOT/FILE.metadata, ROOT/simple/NAME/index.html and index.json.

options (named like the action's inputs):
  --container URL             where wheel/sidecar pairs live
  --path DIR                  local directory (post-build: wheelhouse, collect: dist)
  --pattern GLOB              files to handle, repeatable (default *.whl; add *.tar.gz for sdists)
  --retries N                 further attempts for a failed transfer (default 3)
  --concurrency N             files moved at once (default 4)
  --timeout SECONDS           a silent connection is cut and retried after this long (default 30)
  --sha256sums FILE           where to write SHA256SUMS (default ./SHA256SUMS; never inside --path);
                              verify: deprecated alias of --digests
  --digests FILE              collect, verify: a SHA256SUMS file whose digests are the truth: every file it
                              lists that --pattern selects must be there with those bytes, a file it does
                              not list is refused, sidecars become optional and must agree with it
  --requirements FILE         collect, verify: write a pip requirements file pinning every verified file by
                              its sha256 (pip install --no-index --find-links DIR --require-hashes -r FILE);
                              only when every file verified; never inside --path (default: none)
  --index ROOT                collect: write a PEP 503/691 simple index of the verified files to ROOT (a directory
                              of its own, s3:// or azure://), last, only when every file verified (default: none);
                              post-build refuses it: the index has one writer, the release job
  --output DIR                index: the directory to write the index into
  --if-no-files-found MODE    nothing to handle (post-build: no match in --path; collect: no pair in the
                              container): error (default), warn or ignore
  --overwrite                 post-build: replace a remote wheel that differs
  --local-sidecars            post-build: also write <wheel>.sha256 beside each local wheel
  --expected GLOB             collect: must match at least one verified file, repeatable
  --wait SECONDS              collect: keep polling this long for pairs still arriving (default 0)
  --endpoint URL              s3: an S3-compatible server (R2, MinIO, GCS interop, B2);
                              azure: the blob service URL (Azurite: http://127.0.0.1:10000/devstoreaccount1)
  --sas-token TOKEN           azure: a SAS token (better: AZURE_STORAGE_SAS_TOKEN, kept out of shell history);
                              else AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or az login are used
  --region REGION             s3: the bucket's region (default: AWS_REGION, else the AWS config)
  --path-style true|false     s3: path-style addressing (default: true when --endpoint is given)
  --check-contents true|false look inside each wheel (RECORD hashes, names, tags) and sdist (default true)
  --strict true|false         refuse what the content check finds odd but installable (default false: a warning)
  --run-id ID                 artifact, collect: read the artifacts of this workflow run
  --repository OWNER/NAME     artifact, collect: that run's repository (default: GITHUB_REPOSITORY)
  --github-token TOKEN        artifact, collect: a token with actions:read there (or set GITHUB_TOKEN);
                              --attested-by: a token with attestations:read on that repository
  --attested-by WORKFLOW      collect, verify: each wheel needs a build provenance attestation (GitHub's
                              attestations API, Sigstore) signed by this workflow, given as
                              OWNER/REPO/.github/workflows/FILE.yml[@refs/tags/*]; what
                              gh attestation verify --signer-workflow checks, for every wheel at once
  --trusted-root FILE         with --attested-by: Sigstore trusted roots to use instead of the public-good
                              and GitHub roots fetched through TUF (gh attestation trusted-root > FILE)
  -h, --help                  this text
  -v, --version               the version

exit codes: 0 all verified · 1 a file failed verification or the set is incomplete · 2 usage error`;

const OPTIONS = {
  container: { type: 'string' },
  path: { type: 'string' },
  pattern: { type: 'string', multiple: true },
  retries: { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  sha256sums: { type: 'string' },
  'if-no-files-found': { type: 'string' },
  overwrite: { type: 'boolean' },
  'local-sidecars': { type: 'boolean' },
  expected: { type: 'string', multiple: true },
  wait: { type: 'string' },
  endpoint: { type: 'string' },
  'sas-token': { type: 'string' },
  region: { type: 'string' },
  'path-style': { type: 'string' },
  'check-contents': { type: 'string' },
  strict: { type: 'string' },
  'run-id': { type: 'string' },
  repository: { type: 'string' },
  'github-token': { type: 'string' },
  digests: { type: 'string' },
  requirements: { type: 'string' },
  index: { type: 'string' },
  output: { type: 'string' },
  'attested-by': { type: 'string' },
  'trusted-root': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Flags as an input getter, so the CLI shares the action's validation. */
function flagGetter(values: Values): InputGetter {
  return (name) => {
    // A token on the command line ends up in shell history: GITHUB_TOKEN is the usual way.
    if (name === 'github-token' && values['github-token'] === undefined) return process.env.GITHUB_TOKEN ?? '';
    const value = (values as Record<string, string | string[] | boolean | undefined>)[name];
    if (Array.isArray(value)) return value.join('\n');
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    return value ?? '';
  };
}

/** Flags that only some commands take. */
const ONLY: Record<string, string[]> = {
  'if-no-files-found': ['post-build', 'collect', 'verify'],
  overwrite: ['post-build'],
  'local-sidecars': ['post-build'],
  expected: ['collect'],
  wait: ['collect'],
  container: ['post-build', 'collect', 'index'],
  retries: ['post-build', 'collect', 'verify', 'index'],
  timeout: ['post-build', 'collect', 'verify', 'index'],
  endpoint: ['post-build', 'collect', 'verify', 'index'],
  'sas-token': ['post-build', 'collect', 'verify', 'index'],
  region: ['post-build', 'collect', 'verify', 'index'],
  'path-style': ['post-build', 'collect', 'verify', 'index'],
  'check-contents': ['post-build', 'collect', 'verify', 'index'],
  strict: ['post-build', 'collect', 'verify', 'index'],
  'run-id': ['collect', 'verify'],
  repository: ['collect', 'verify'],
  'github-token': ['collect', 'verify'],
  digests: ['collect', 'verify', 'index'],
  requirements: ['collect', 'verify'],
  // post-build too: its inputs refuse it with the reason (the index has one writer).
  index: ['collect', 'post-build'],
  output: ['index'],
  'attested-by': ['collect', 'verify'],
  'trusted-root': ['collect', 'verify'],
};

/** Flags verify takes only for a container URL: a directory is checked in place, nothing is fetched. */
const VERIFY_URL_ONLY = ['if-no-files-found', 'retries', 'timeout', 'endpoint', 'sas-token', 'region', 'path-style', 'run-id', 'repository', 'github-token'];

/** The shipped sample wheels (next to dist/ in the package). */
export const SAMPLES_DIR = fileURLToPath(new URL('../../samples/', import.meta.url));

/** The CLI's output streams. */
export interface Io {
  stdout: Terminal;
  stderr: Terminal;
}

function report(io: Io, title: string, result: RunResult): ExitCode {
  if (result.files.length > 0) io.stdout.write(`\n${title}\n${formatTable(result.files)}\n`);
  if (result.sha256sums) io.stdout.write(`SHA256SUMS written to ${plain(result.sha256sums)}\n`);
  if (result.requirements) io.stdout.write(`requirements written to ${plain(result.requirements)}\n`);
  if (result.index) io.stdout.write(`index written to ${plain(result.index)}\n`);
  for (const problem of result.problems) io.stderr.write(`error: ${plain(problem.message)}\n`);
  if (result.problems.length > 0) {
    io.stderr.write(`${title}: ${result.problems.length} problem(s)\n`);
    return ExitCode.Failed;
  }
  return ExitCode.Ok;
}

/** post-build then collect of the shipped samples through a local container, tables printed. */
async function demo(values: Values, reporter: () => Reporter, io: Io): Promise<ExitCode> {
  const root = resolve(values.path ?? '.wheel-guard-demo');
  await rm(root, { recursive: true, force: true });
  const container = join(root, 'container');
  io.stdout.write(`demo: sample wheels ${SAMPLES_DIR} -> container ${container} -> ${join(root, 'dist')}\n`);
  const uploaded = await postBuild(
    getPostBuildInputs(flagGetter({ container, path: SAMPLES_DIR, sha256sums: join(root, 'post-build.SHA256SUMS') })),
    reporter(),
  );
  if (report(io, 'post-build', uploaded) !== ExitCode.Ok) return ExitCode.Failed;
  const collected = await collect(
    getCollectInputs(flagGetter({ container, path: join(root, 'dist'), sha256sums: join(root, 'SHA256SUMS') })),
    reporter(),
  );
  const code = report(io, 'collect', collected);
  if (code === ExitCode.Ok) {
    // Said the way this run was started: `npm start` / `npx` from a clone (npm sets npm_command), else the
    // installed command (npm install -g, pipx).
    const command = process.env.npm_command ? 'npx wheel-guard' : 'wheel-guard';
    io.stdout.write(
      `\nEvery wheel verified. Now break one and collect again:\n` +
        `  truncate -s -100 ${join(container, 'wheel-0.43.0-py3-none-any.whl')} && ${command} collect --container ${container} --path ${join(root, 'dist2')} --sha256sums ${join(root, 'SHA256SUMS2')}\n`,
    );
  }
  return code;
}

/**
 * verify DIR (in place, as ever) or verify URL (any container, through a
 * temporary directory). `--digests` names the truth file; `--sha256sums` is
 * its deprecated alias here (for collect it is the file written).
 */
async function verify(values: Values, target: string | undefined, io: Io, reporter: Reporter): Promise<RunResult> {
  if (!target) throw new InputError('verify: give the directory or container URL to check, e.g. wheel-guard verify dist');
  if (values.digests !== undefined && values.sha256sums !== undefined) {
    throw new InputError('verify: give --digests only; --sha256sums is its deprecated alias');
  }
  if (values.sha256sums !== undefined) io.stderr.write('wheel-guard: verify --sha256sums is deprecated; use --digests\n');
  const digests = values.digests ?? values.sha256sums;
  const get = flagGetter({ ...values, digests, sha256sums: undefined });
  // --requirements: checked before any work, written once every file verified (a directory: never inside it).
  const requirements = getRequirementsTarget(get, { cwd: process.cwd(), ...(isContainerUrl(target) ? {} : { distDir: target }), others: { [Inputs.Digests]: digests } });
  const pinned = async (result: RunResult, findLinks?: string): Promise<RunResult> => {
    if (requirements) await finishRequirements(result, requirements, { command: 'verify', ...(findLinks !== undefined ? { findLinks } : {}) }, reporter);
    return result;
  };
  if (isContainerUrl(target)) return pinned(await verifyContainer(target, get, reporter));
  // The attestations API is asked with these too, when --attested-by is given.
  const withAttestations = values['attested-by'] !== undefined ? ['retries', 'timeout', 'github-token'] : [];
  for (const flag of VERIFY_URL_ONLY) {
    if ((values as Record<string, unknown>)[flag] !== undefined && !withAttestations.includes(flag)) {
      throw new InputError(`--${flag} applies to verify URL (a container), not to a directory checked in place`);
    }
  }
  const common = { retries: getInteger(get, Inputs.Retries, 3, 0, 100), timeout: getInteger(get, Inputs.Timeout, 30, 1, 3600) };
  const { attestations } = attestationsOf(get, common, process.cwd());
  const inPlace = await verifyDirectory(
    {
      dir: target,
      patterns: getList(get, Inputs.Pattern, DEFAULT_PATTERNS),
      concurrency: getInteger(get, Inputs.Concurrency, 4, 1, 256),
      checkContents: getBoolean(get, Inputs.CheckContents, true),
      strict: getBoolean(get, Inputs.Strict, false),
      ...(digests ? { sha256sums: digests } : {}),
      ...(attestations ? { attestations } : {}),
    },
    reporter,
  );
  return pinned(inPlace, target);
}

/**
 * Runs the CLI; returns the exit code instead of exiting, for tests.
 * `beforeRun` is called once a command is about to run (not for --help or
 * --version): cli/index.ts keeps the heap small there (core/heap.ts), which
 * the tests' own process does not need.
 */
export async function main(argv: string[], io: Io, version: string, beforeRun?: () => void): Promise<ExitCode> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error: unknown) {
    io.stderr.write(`wheel-guard: ${plain(messageOf(error))}\nRun wheel-guard --help for usage.\n`);
    return ExitCode.Usage;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout.write(`${version}\n`);
    return ExitCode.Ok;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (command === undefined && !values.help ? io.stderr : io.stdout).write(`${USAGE}\n`);
    return command === undefined && !values.help ? ExitCode.Usage : ExitCode.Ok;
  }
  const reporter = terminalReporter(io.stderr);
  try {
    const commands = ['post-build', 'collect', 'verify', 'index', 'demo'];
    if (!commands.includes(command)) throw new InputError(`unknown command "${command}"; use one of ${commands.join(', ')}`);
    for (const [flag, allowed] of Object.entries(ONLY)) {
      if ((values as Record<string, unknown>)[flag] !== undefined && !allowed.includes(command)) {
        throw new InputError(`--${flag} does not apply to ${command}`);
      }
    }
    if (rest.length > (command === 'verify' || command === 'index' ? 1 : 0)) throw new InputError(`unexpected argument "${rest.at(-1)}"`);
    const get = flagGetter(values);
    beforeRun?.();
    switch (command) {
      case 'post-build':
        return report(io, 'post-build', await postBuild(getPostBuildInputs(get), reporter));
      case 'collect':
        return report(io, 'collect', await collect(getCollectInputs(get), reporter));
      case 'verify':
        return report(io, 'verify', await verify(values, rest[0] ?? values.path, io, reporter));
      case 'index': {
        const { output, container, digests } = values;
        const options = { dir: rest[0] ?? values.path, ...(output !== undefined ? { output } : {}), ...(container !== undefined ? { container } : {}), ...(digests !== undefined ? { digests } : {}) };
        return report(io, 'index', await indexCommand(options, get, reporter));
      }
      default:
        return await demo(values, () => terminalReporter(io.stderr), io);
    }
  } catch (error: unknown) {
    io.stderr.write(`wheel-guard: ${plain(messageOf(error))}\n`);
    if (error instanceof InputError) io.stderr.write('Run wheel-guard --help for usage.\n');
    return error instanceof WheelGuardError ? (error.exitCode as ExitCode) : ExitCode.Failed;
  }
}
