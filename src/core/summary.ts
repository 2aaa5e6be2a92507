/** The verification table: in the job summary and on a terminal. */
import * as core from '@actions/core';
import { type FileResult, formatBytes, type RunResult } from './report.js';

const HEADER = ['file', 'size', 'sha256', 'status', 'attempts'] as const;

function row(file: FileResult): string[] {
  return [file.name, formatBytes(file.size), file.sha256 ?? '', file.status, String(file.attempts)];
}

/** Escapes text for the summary's HTML table. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Appends the run's table and problems to the job summary, if the runner gave one. */
export async function writeJobSummary(title: string, result: RunResult): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const summary = core.summary.addHeading(escapeHtml(title), 3);
  if (result.files.length > 0) {
    summary.addTable([
      HEADER.map((data) => ({ data, header: true })),
      ...result.files.map((file) => row(file).map((cell, i) => (i === 2 && cell ? `<code>${escapeHtml(cell)}</code>` : escapeHtml(cell)))),
    ]);
  }
  if (result.problems.length > 0) {
    summary.addRaw(`<p><strong>${result.problems.length} problem(s):</strong></p>`, true);
    summary.addList(result.problems.map((problem) => escapeHtml(problem.message)));
  }
  await summary.write();
}

/** The table as aligned plain text, for logs and terminals. */
export function formatTable(files: readonly FileResult[]): string {
  const rows = [[...HEADER], ...files.map(row)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
