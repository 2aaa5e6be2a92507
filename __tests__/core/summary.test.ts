import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStatus, type RunResult } from '../../src/core/report.js';
import { escapeHtml, formatTable, writeJobSummary } from '../../src/core/summary.js';

// @actions/core keeps the summary file's path after its first write: one file for the whole test file.
let file: string;
const saved = process.env.GITHUB_STEP_SUMMARY;
beforeAll(async () => {
  file = join(await mkdtemp(join(tmpdir(), 'wg-summary-')), 'summary');
  process.env.GITHUB_STEP_SUMMARY = file;
});
afterAll(async () => {
  await rm(dirname(file), { recursive: true, force: true });
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = saved;
});

async function summaryOf(result: RunResult): Promise<string> {
  await writeFile(file, '');
  await writeJobSummary('wheel-guard collect', result);
  return readFile(file, 'utf8');
}

describe('the job summary', () => {
  it('escapes HTML and Markdown, and keeps every name on its line', () => {
    expect(escapeHtml('<img src=x onerror=alert(1)> **bold** [link](http://x) `code` | cell\n## heading')).toBe(
      '&#60;img src=x onerror=alert&#40;1&#41;&#62; &#42;&#42;bold&#42;&#42; &#91;link&#93;&#40;http://x&#41; &#96;code&#96; &#124; cell&#92;n&#35;&#35; heading',
    );
  });

  it('stays under the runner\'s 1 MiB with 200,000 files and 200,000 problems: rows and problems cut and counted', async () => {
    const files = Array.from({ length: 200_000 }, (_, i) => ({ name: `pkg${i}-1.0-py3-none-any.whl`, size: 1000, sha256: 'a'.repeat(64), status: FileStatus.Verified, attempts: 1 }));
    const problems = Array.from({ length: 200_000 }, (_, i) => ({ message: `pkg${i}-1.0-py3-none-any.whl: something wrong` }));
    const text = await summaryOf({ files, problems });
    expect(Buffer.byteLength(text)).toBeLessThan(1024 * 1024);
    expect(text).toMatch(/… and \d+ more file\(s\): the <code>files<\/code> output and SHA256SUMS list every one/);
    expect(text).toContain('200000 problem(s)');
    expect(text).toContain('… and 199950 more problem(s), every one in the step');
    expect(text.match(/<li>/g)).toHaveLength(50);
  });

  it('shows a small run whole', async () => {
    const text = await summaryOf({ files: [{ name: 'a-1.0-py3-none-any.whl', size: 5, sha256: 'b'.repeat(64), status: FileStatus.Verified, attempts: 1 }], problems: [] });
    expect(text).toContain('<td>a-1.0-py3-none-any.whl</td>');
    expect(text).not.toContain('more file');
  });
});

describe('the plain-text table', () => {
  it('escapes control characters in cells and handles 200,000 rows', () => {
    const files = Array.from({ length: 200_000 }, (_, i) => ({ name: `p${i}`, status: FileStatus.Failed, attempts: 1 }));
    files[0]!.name = 'a\u001b[2Jb';
    const table = formatTable(files);
    expect(table.split('\n')).toHaveLength(200_001);
    expect(table).toContain('a\\u001b[2Jb');
    expect(table).not.toContain('\u001b');
  });
});
