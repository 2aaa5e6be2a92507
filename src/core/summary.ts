/** The verification table: in the job summary and on a terminal. */
import * as core from '@actions/core';
import { MAX_ANNOTATIONS, MAX_SUMMARY_BYTES } from './bounds.js';
import { type FileResult, formatBytes, type RunResult } from './report.js';
import { plain } from './untrusted.js';

const HEADER = ['file', 'size', 'sha256', 'status', 'attempts'] as const;

/** Rows the summary table starts from; fewer if the summary would pass MAX_SUMMARY_BYTES. */
const MAX_SUMMARY_ROWS = 1000;

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

/** The summary's HTML for the first `rows` files and the first MAX_ANNOTATIONS problems. */
function build(title: string, result: RunResult, rows: number): void {
  core.summary.emptyBuffer();
  const summary = core.summary.addHeading(escapeHtml(title), 3);
  const { files, problems } = result;
  if (files.length > 0) {
    summary.addTable([
      HEADER.map((data) => ({ data, header: true })),
      ...files.slice(0, rows).map((file) => row(file).map((cell, i) => (i === 2 && cell ? `<code>${escapeHtml(cell)}</code>` : escapeHtml(cell)))),
    ]);
    if (files.length > rows) {
      summary.addRaw(`<p>… and ${files.length - rows} more file(s): the <code>files</code> output and SHA256SUMS list every one.</p>`, true);
    }
  }
  const warnings = files.flatMap((file) => file.warnings ?? []);
  if (warnings.length > 0) {
    summary.addRaw(`<p><strong>${warnings.length} warning(s)</strong> (odd but installable; <code>strict: true</code> refuses them):</p>`, true);
    summary.addList(warnings.slice(0, MAX_ANNOTATIONS).map(escapeHtml));
    if (warnings.length > MAX_ANNOTATIONS) summary.addRaw(`<p>… and ${warnings.length - MAX_ANNOTATIONS} more warning(s), every one in the step's log.</p>`, true);
  }
  if (problems.length > 0) {
    summary.addRaw(`<p><strong>${problems.length} problem(s):</strong></p>`, true);
    summary.addList(problems.slice(0, MAX_ANNOTATIONS).map((problem) => escapeHtml(problem.message)));
    if (problems.length > MAX_ANNOTATIONS) {
      summary.addRaw(`<p>… and ${problems.length - MAX_ANNOTATIONS} more problem(s), every one in the step's log.</p>`, true);
    }
  }
}

/**
 * Appends the run's table and problems to the job summary, if the runner
 * gave one, kept under the runner's 1 MiB limit: past it the runner drops
 * the whole summary, so rows are cut (and counted) instead.
 */
export async function writeJobSummary(title: string, result: RunResult): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  let rows = Math.min(result.files.length, MAX_SUMMARY_ROWS);
  build(title, result, rows);
  while (Buffer.byteLength(core.summary.stringify()) > MAX_SUMMARY_BYTES && rows > 0) {
    rows = Math.floor(rows / 2);
    build(title, result, rows);
  }
  await core.summary.write();
}

/** The table as aligned plain text, for logs and terminals. */
export function formatTable(files: readonly FileResult[]): string {
  const rows = [[...HEADER], ...files.map((file) => row(file).map(plain))];
  const widths = HEADER.map((_, i) => rows.reduce((width, r) => Math.max(width, r[i]!.length), 0));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
