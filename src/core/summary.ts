/**
 * The verification table: in the job summary and on a terminal.
 *
 * The job summary is what a person reads first, so it says the verdict and
 * the totals in one line, then the problems, then the files (problems
 * first), then, folded away, the commands that check the same again on a
 * laptop. GitHub renders it as GitHub Flavored Markdown with HTML allowed
 * (sanitized): it is written as HTML only, one element per line and no
 * blank line, so the whole summary is one raw HTML block that no Markdown
 * rule reads into, and every text in it (names a stranger chose included)
 * goes through `escapeHtml`. `__tests__/core/summary.test.ts` and
 * `__tests__/e2e/summary.test.ts` render it with a GFM renderer and read
 * the HTML that comes out.
 */
import * as core from '@actions/core';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { MAX_ANNOTATIONS, MAX_SUMMARY_BYTES } from './bounds.js';
import { DEFAULT_PATTERNS, getList, type InputGetter } from './inputs.js';
import { type FileResult, FileStatus, formatBytes, type RunResult, verifiedFiles } from './report.js';
import { plain } from './untrusted.js';

const HEADER = ['file', 'size', 'sha256', 'status', 'attempts'] as const;

/** Rows the summary table starts from; fewer if the summary would pass MAX_SUMMARY_BYTES. */
const MAX_SUMMARY_ROWS = 1000;

/** Hex digits of a sha256 the summary table shows; the `files` output and SHA256SUMS hold all 64. */
export const SHORT_SHA256 = 12;

function row(file: FileResult): string[] {
  return [file.name, formatBytes(file.size), file.sha256 ?? '', file.status, String(file.attempts)];
}

/**
 * Escapes text for the summary, which GitHub reads as Markdown with HTML:
 * unprintable characters escaped first (so nothing starts a new line or
 * block), then every character HTML or Markdown gives a meaning as an
 * entity.
 */
export function escapeHtml(text: string): string {
  return plain(text).replace(/[&<>"'`*_[\]{}()#+!|~\\]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `n thing` or `n things`. */
function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Seconds as a person reads them: 0.4 s, 12.3 s, 2 min 5 s. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** Where a file goes in the table: failed first, then those with warnings, then the rest. */
const rank = (file: FileResult): number => (file.status === FileStatus.Failed ? 0 : file.warnings?.length ? 1 : 2);
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The files as the summary lists them: problems first (failed, then warned), each group by name. */
export function summaryOrder(files: readonly FileResult[]): FileResult[] {
  return [...files].sort((a, b) => rank(a) - rank(b) || byName(a.name, b.name));
}

/** What the summary's totals line counts. */
export interface Totals {
  files: number;
  /** How many ended in each status, in FileStatus order, statuses with none left out. */
  statuses: [FileStatus, number][];
  /** Bytes of the files that did not fail. */
  bytes: number;
  /** Attempts past each file's first. */
  retries: number;
  warnings: number;
  problems: number;
}

export function totals(result: RunResult): Totals {
  const { files } = result;
  const statuses = Object.values(FileStatus)
    .map((status): [FileStatus, number] => [status, files.filter((file) => file.status === status).length])
    .filter(([, n]) => n > 0);
  return {
    files: files.length,
    statuses,
    bytes: files.reduce((sum, file) => sum + (file.status === FileStatus.Failed ? 0 : (file.size ?? 0)), 0),
    retries: files.reduce((sum, file) => sum + Math.max(0, file.attempts - 1), 0),
    warnings: files.reduce((sum, file) => sum + (file.warnings?.length ?? 0), 0),
    problems: result.problems.length,
  };
}

/** The totals in one line of HTML: the verdict, then files, bytes, seconds, retries (and warnings). */
function totalsLine(result: RunResult): string {
  const t = totals(result);
  const verdict = t.problems > 0 ? `✗ ${count(t.problems, 'problem')}` : '✓ no problems';
  const statuses = t.statuses.map(([status, n]) => `${n} ${status}`).join(', ');
  const parts = [
    `<strong>${verdict}</strong>`,
    `${count(t.files, 'file')}${statuses ? ` (${statuses})` : ''}`,
    formatBytes(t.bytes),
    ...(result.seconds !== undefined ? [formatSeconds(result.seconds)] : []),
    count(t.retries, 'retry', 'retries'),
    ...(t.warnings > 0 ? [count(t.warnings, 'warning')] : []),
  ];
  return `<p>${parts.join(' · ')}</p>`;
}

/** One table row as HTML: every cell escaped; the sha256 shortened; a failure in bold. */
function tableRow(file: FileResult): string {
  const sha256 = file.sha256 ? `<code>${escapeHtml(file.sha256.slice(0, SHORT_SHA256))}…</code>` : '';
  const warned = file.warnings?.length ? `, ${count(file.warnings.length, 'warning')}` : '';
  const status = file.status === FileStatus.Failed ? `<strong>${escapeHtml(file.status)}</strong>` : `${escapeHtml(file.status)}${warned}`;
  const cells = [escapeHtml(file.name), escapeHtml(formatBytes(file.size)), sha256, status, escapeHtml(String(file.attempts))];
  return `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
}

/** A word for a POSIX shell: as it is when plainly safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A local path as the commands name it: relative to the workspace when inside it, with `/` between parts. */
function shownPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  if (rel === '') return '.';
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return absolute;
  return rel.split(sep).join('/');
}

/** An endpoint without a user or password (a command in the summary never holds a secret). */
function withoutUserinfo(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.username === '' && url.password === '') return endpoint;
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return endpoint;
  }
}

/**
 * The commands that check again on a laptop what this run checked, with
 * `#` lines saying what each does. `get` reads the step's inputs (never a
 * secret one: not `sas-token` nor `github-token`); the container is shown
 * by its `url`, which never holds a secret. Empty when the run says
 * nothing of where it worked.
 */
export function reproduceCommands(result: RunResult, get: InputGetter = () => '', cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  const { where } = result;
  if (!where) return [];
  const pathAbsolute = resolve(cwd, where.path);
  const path = shownPath(cwd, pathAbsolute);
  const patterns = getList(get, 'pattern', DEFAULT_PATTERNS);
  const defaultPatterns = patterns.length === DEFAULT_PATTERNS.length && patterns.every((p, i) => p === DEFAULT_PATTERNS[i]);
  const checks = [
    ...(defaultPatterns ? [] : patterns.flatMap((pattern) => ['--pattern', pattern])),
    ...(get('check-contents').trim().toLowerCase() === 'false' ? ['--check-contents', 'false'] : []),
    ...(get('strict').trim().toLowerCase() === 'true' ? ['--strict', 'true'] : []),
  ];
  const digests = where.step === 'collect' ? get('digests').trim() : '';
  // The provenance check goes with every command that checks the files again.
  const attestedBy = where.step === 'collect' ? get('attested-by').trim() : '';
  const trustedRoot = attestedBy ? get('trusted-root').trim() : '';
  if (attestedBy) checks.push('--attested-by', attestedBy, ...(trustedRoot ? ['--trusted-root', shownPath(cwd, resolve(cwd, trustedRoot))] : []));
  const lines: string[] = [];
  const command = (words: string[]): string => words.map(shellWord).join(' ');

  // What the run left on disk: the files in `path` against SHA256SUMS, whose names are relative to `path`.
  const sums = result.sha256sums ?? (digests ? resolve(cwd, digests) : undefined);
  if (sums) {
    const sumsShown = shownPath(cwd, sums);
    if (result.sha256sums) {
      const fromPath = shownPath(cwd, sums) === sums ? sums : relative(pathAbsolute, sums).split(sep).join('/');
      lines.push(`# each file in ${path} against the SHA256SUMS this run wrote (names in it are relative to ${path})`);
      lines.push(path === '.' ? command(['sha256sum', '-c', fromPath]) : `(cd ${shellWord(path)} && ${command(['sha256sum', '-c', fromPath])})`);
    }
    lines.push(result.sha256sums ? '# the same with wheel-guard, and what is inside each file (RECORD, names, tags)' : `# each file in ${path} against ${sumsShown}, and what is inside it (RECORD, names, tags)`);
    lines.push(command(['npx', 'wheel-guard', 'verify', path, '--digests', sumsShown, ...checks]));
  }

  // The container's whole check again, through a temporary directory: nothing is placed anywhere.
  const container = where.container;
  const flags: string[] = [];
  let prefix = '';
  let credentials = '';
  if (/^artifact:\/\//i.test(container)) {
    const runId = get('run-id').trim() || env.GITHUB_RUN_ID || '';
    const repository = get('repository').trim() || env.GITHUB_REPOSITORY || '';
    if (runId) flags.push('--run-id', runId);
    if (runId && repository) flags.push('--repository', repository);
    prefix = 'GITHUB_TOKEN=$(gh auth token) ';
    credentials = ' (a token with actions: read)';
  } else if (/^(s3|azure|https?):\/\//i.test(container)) {
    const endpoint = get('endpoint').trim();
    if (endpoint) flags.push('--endpoint', withoutUserinfo(endpoint));
    if (/^s3:\/\//i.test(container)) {
      const region = get('region').trim();
      const pathStyle = get('path-style').trim();
      if (region) flags.push('--region', region);
      if (pathStyle) flags.push('--path-style', pathStyle);
    }
    if (!/^https?:\/\//i.test(container)) credentials = ' (your credentials for it in the environment)';
  }
  const what = where.step === 'post-build' ? `every pair in ${container} checked again` : 'the container checked again as this run checked it';
  // A directory is checked in place (verify DIR); anything with a scheme, file:// too, through a temporary directory (verify URL).
  const how = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(container) ? 'through a temporary directory, nothing placed' : 'in place, nothing moved';
  lines.push(`# ${what}${credentials}, ${how}`);
  const digestsFlags = digests ? ['--digests', shownPath(cwd, resolve(cwd, digests))] : [];
  lines.push(prefix + command(['npx', 'wheel-guard', 'verify', container, ...flags, ...digestsFlags, ...checks]));
  return lines;
}

/** The summary's HTML for the first `rows` files (in summary order) and the first MAX_ANNOTATIONS problems and warnings. */
function build(title: string, result: RunResult, sorted: readonly FileResult[], commands: readonly string[], rows: number): void {
  core.summary.emptyBuffer();
  core.summary.addRaw(`<h3>${escapeHtml(title)}</h3>`, true);
  core.summary.addRaw(totalsLine(result), true);
  const { attestation, attestedBy } = result;
  if (attestation) {
    const link = attestation.url ? `<a href="${escapeHtml(attestation.url)}">${escapeHtml(attestation.url)}</a>` : escapeHtml(`id ${attestation.id || 'not stored'}`);
    core.summary.addRaw(`<p>Build provenance attestation of ${count(attestation.subjects, 'file')}: ${link}${attestation.logIndex !== undefined ? ` (Rekor log index ${escapeHtml(attestation.logIndex)})` : ''}</p>`, true);
  }
  if (attestedBy && verifiedFiles(result).length > 0) {
    core.summary.addRaw(`<p>Every file placed has a build provenance attestation signed by <code>${escapeHtml(attestedBy)}</code>, verified with Sigstore.</p>`, true);
  }
  const { problems } = result;
  if (problems.length > 0) {
    core.summary.addRaw(`<p><strong>${problems.length} problem(s):</strong></p>`, true);
    core.summary.addList(problems.slice(0, MAX_ANNOTATIONS).map((problem) => escapeHtml(problem.message)));
    if (problems.length > MAX_ANNOTATIONS) {
      core.summary.addRaw(`<p>… and ${problems.length - MAX_ANNOTATIONS} more problem(s), every one in the step's log.</p>`, true);
    }
  }
  const warnings = sorted.flatMap((file) => file.warnings ?? []);
  if (warnings.length > 0) {
    core.summary.addRaw(`<p><strong>${warnings.length} warning(s)</strong> (odd but installable; <code>strict: true</code> refuses them):</p>`, true);
    core.summary.addList(warnings.slice(0, MAX_ANNOTATIONS).map(escapeHtml));
    if (warnings.length > MAX_ANNOTATIONS) core.summary.addRaw(`<p>… and ${warnings.length - MAX_ANNOTATIONS} more warning(s), every one in the step's log.</p>`, true);
  }
  if (sorted.length > 0) {
    const header = `<tr>${HEADER.map((cell) => `<th>${cell}</th>`).join('')}</tr>`;
    core.summary.addRaw(`<table>${header}${sorted.slice(0, rows).map(tableRow).join('')}</table>`, true);
    if (sorted.length > rows) {
      core.summary.addRaw(`<p>… and ${sorted.length - rows} more file(s): the <code>files</code> output and SHA256SUMS list every one.</p>`, true);
    }
    if (sorted.some((file) => file.sha256)) {
      core.summary.addRaw(`<p>sha256: the first ${SHORT_SHA256} hex digits; the <code>files</code> output and SHA256SUMS hold each in full.</p>`, true);
    }
  }
  if (commands.length > 0) {
    core.summary.addRaw('<details><summary>Reproduce this check on your machine</summary>', true);
    // One <pre>, its lines joined by newlines: none is blank, so the HTML block never ends inside it.
    core.summary.addRaw(`<pre><code>${commands.map(escapeHtml).join('\n')}</code></pre>`, true);
    core.summary.addRaw('</details>', true);
  }
}

/**
 * Appends the run's summary to the job summary, if the runner gave one,
 * kept under the runner's 1 MiB limit: past it the runner drops the whole
 * summary, so rows are cut (and counted) instead. `get` reads the step's
 * inputs, for the commands that reproduce the check.
 */
export async function writeJobSummary(title: string, result: RunResult, get?: InputGetter): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const sorted = summaryOrder(result.files);
  const commands = reproduceCommands(result, get);
  let rows = Math.min(sorted.length, MAX_SUMMARY_ROWS);
  build(title, result, sorted, commands, rows);
  while (Buffer.byteLength(core.summary.stringify()) > MAX_SUMMARY_BYTES && rows > 0) {
    rows = Math.floor(rows / 2);
    build(title, result, sorted, commands, rows);
  }
  await core.summary.write();
}

/** The table as aligned plain text, for logs and terminals. */
export function formatTable(files: readonly FileResult[]): string {
  const rows = [[...HEADER], ...files.map((file) => row(file).map(plain))];
  const widths = HEADER.map((_, i) => rows.reduce((width, r) => Math.max(width, r[i]!.length), 0));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
