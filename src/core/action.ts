/** The glue between a run and the Actions runner: inputs, log, outputs, summary, failure. */
import * as core from '@actions/core';
import { relative, sep } from 'node:path';
import { azureSecrets } from '../containers/azure.js';
import { MAX_ANNOTATIONS } from './bounds.js';
import { messageOf } from './errors.js';
import { type FileResult, FileStatus, formatBytes, type Reporter, type RunResult, verifiedFiles } from './report.js';
import { formatTable, writeJobSummary } from './summary.js';
import { plain } from './untrusted.js';

/** Inputs as the runner passes them (INPUT_* environment variables). */
export const actionInputs = (name: string): string => core.getInput(name);

/** Environment variables that hold AWS credentials (Azure's, and the parts inside them, are azureSecrets'). */
const SECRET_VARIABLES = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/**
 * The secrets a container URL carries, to mask before anything is logged:
 * the password (or token) of its userinfo, else a user name alone (a token
 * given as `https://TOKEN@host/`), as written and percent-decoded.
 */
export function urlSecrets(raw: string): string[] {
  const match = /^https?:\/\/([^/?#]*)@/i.exec(raw.trim());
  if (!match) return [];
  const userinfo = match[1]!;
  const colon = userinfo.indexOf(':');
  const secret = colon >= 0 ? userinfo.slice(colon + 1) : userinfo;
  if (secret === '') return [];
  let decoded = secret;
  try {
    decoded = decodeURIComponent(secret);
  } catch {
    // Not valid percent-encoding: masked as written.
  }
  return [...new Set([secret, decoded])];
}

/** Masks every credential in the environment, and one in the container URL (`https://user:TOKEN@host/…`), before anything can log it. */
export function maskSecrets(): void {
  const values = [
    ...SECRET_VARIABLES.map((name) => process.env[name]),
    core.getInput('github-token'),
    ...urlSecrets(core.getInput('container')),
    ...azureSecrets(process.env, core.getInput('sas-token'), core.getInput('container')),
  ];
  for (const value of new Set(values)) {
    if (value) core.setSecret(value);
  }
}

/** A file as an annotation names it: relative to the workspace, with `/` (a Windows path's `\\` would not attach it to the file). */
export function annotationPath(file: string, cwd: string = process.cwd(), path: { relative: typeof relative; sep: string } = { relative, sep }): string {
  return plain(path.relative(cwd, file).split(path.sep).join('/'));
}

/** Files smaller than this get no progress lines, only their result. */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

/** Logs to the Actions log: one line per file, progress in quarters for large files. */
export function actionReporter(): Reporter {
  const quarters = new Map<string, number>();
  let warnings = 0;
  return {
    info: (message) => core.info(plain(message)),
    // Annotations for the first MAX_ANNOTATIONS warnings; the rest are log lines, none lost.
    warning: (message, file) =>
      ++warnings <= MAX_ANNOTATIONS
        ? core.warning(plain(message), file ? { file: annotationPath(file) } : undefined)
        : core.info(plain(`warning: ${message}`)),
    progress(name, bytes, total) {
      if (total === undefined || total < PROGRESS_MIN_BYTES) return;
      const quarter = Math.floor((bytes / total) * 4);
      if (quarter > (quarters.get(name) ?? 0) && quarter < 4) {
        quarters.set(name, quarter);
        core.info(plain(`${name}: ${quarter * 25}% (${formatBytes(bytes)} of ${formatBytes(total)})`));
      }
    },
    fileDone(result: FileResult) {
      const mark = result.status === FileStatus.Failed ? '✗' : '✓';
      core.info(plain(`${mark} ${result.name} ${result.status}${result.sha256 ? ` sha256=${result.sha256}` : ''}`));
    },
  };
}

/**
 * Runs an entry point's work and reports it the way the runner expects:
 * outputs `files`, `count`, `sha256sums`, `requirements`, `index`; the table in the log and the job
 * summary; one `::error::` per problem; a failed step if there was any.
 */
export async function finishAction(title: string, work: () => Promise<RunResult>): Promise<void> {
  const started = performance.now();
  maskSecrets();
  try {
    const result = await work();
    result.seconds ??= (performance.now() - started) / 1000;
    const files = verifiedFiles(result);
    core.setOutput('files', JSON.stringify(files));
    core.setOutput('count', String(files.length));
    core.setOutput('sha256sums', result.sha256sums ?? '');
    core.setOutput('requirements', result.requirements ?? '');
    core.setOutput('index', result.index ?? '');
    if (result.where?.step === 'post-build') {
      core.setOutput('attestation-id', result.attestation?.id ?? '');
      core.setOutput('attestation-url', result.attestation?.url ?? '');
    }
    if (result.files.length > 0) core.info(formatTable(result.files).split('\n').map(plain).join('\n'));
    await writeJobSummary(title, result, actionInputs);
    reportProblems(title, result);
  } catch (error: unknown) {
    core.debug(plain(error instanceof Error && error.stack ? error.stack : String(error)));
    core.setFailed(plain(messageOf(error)));
  }
}

/**
 * One annotation per problem for the first MAX_ANNOTATIONS (the runner
 * shows only so many, and a flood hides the first); the rest are plain log
 * lines, every one of them, so nothing is lost. The outputs stay complete.
 */
function reportProblems(title: string, result: RunResult): void {
  const { problems } = result;
  for (const problem of problems.slice(0, MAX_ANNOTATIONS)) {
    core.error(plain(problem.message), problem.file ? { file: annotationPath(problem.file) } : undefined);
  }
  if (problems.length > MAX_ANNOTATIONS) {
    core.startGroup(`${problems.length - MAX_ANNOTATIONS} more problem(s)`);
    for (const problem of problems.slice(MAX_ANNOTATIONS)) core.info(plain(`error: ${problem.message}`));
    core.endGroup();
  }
  if (problems.length > 0) {
    const where = problems.length > MAX_ANNOTATIONS ? `the first ${MAX_ANNOTATIONS} as annotations, all in the log above` : 'each named above';
    core.setFailed(`${title}: ${problems.length} problem(s), ${where}`);
  }
}
