import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStatus, type FileResult, type RunResult } from '../../src/core/report.js';
import { escapeHtml, formatTable, reproduceCommands, shellWord, summaryOrder, writeJobSummary } from '../../src/core/summary.js';
import { plain } from '../../src/core/untrusted.js';
import { allElements, blocks, type Element, renderSummary, select, SUMMARY_ELEMENTS, text } from '../helpers/markdown.js';

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

async function summaryOf(result: RunResult, inputs: Record<string, string> = {}): Promise<string> {
  await writeFile(file, '');
  await writeJobSummary('wheel-guard collect', result, (name) => inputs[name] ?? '');
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

/** A summary as GitHub shows it: rendered as GFM with HTML, parsed as a browser parses it. */
async function rendered(result: RunResult, inputs: Record<string, string> = {}): Promise<{ markdown: string; root: Element }> {
  const markdown = await summaryOf(result, inputs);
  return { markdown, root: renderSummary(markdown) };
}

const sha = (c: string): string => c.repeat(64);
/** The rows of the summary's one table, as lists of cells (th or td). */
const rowsOf = (root: Element): Element[][] => {
  const [table, ...others] = select(root, 'table');
  expect(others).toEqual([]);
  return select(table!, 'tr').map((tr) => blocks(tr));
};
/** True when an element holds text only: no code span, emphasis, link, image or any other element. */
const textOnly = (element: Element): boolean => element.children.every((child) => typeof child === 'string');

describe('the job summary as GitHub renders it', () => {
  const cwd = process.cwd();
  const run: RunResult = {
    files: [
      { name: 'zeta-1.0-py3-none-any.whl', size: 2048, sha256: sha('a'), status: FileStatus.Verified, attempts: 1 },
      { name: 'alpha-1.0-py3-none-any.whl', size: 1000, sha256: sha('b'), status: FileStatus.Verified, attempts: 2 },
      { name: 'odd-1.0-py2.py3-none-any.whl', size: 10, sha256: sha('c'), status: FileStatus.Verified, attempts: 1, warnings: ['odd-1.0-py2.py3-none-any.whl: odd at WHEEL'] },
      { name: 'broken-1.0-py3-none-any.whl', status: FileStatus.Failed, attempts: 4 },
      { name: 'also_broken-1.0-py3-none-any.whl', status: FileStatus.Failed, attempts: 1 },
    ],
    problems: [{ message: 'broken-1.0-py3-none-any.whl: sha256 mismatch' }, { message: 'also_broken-1.0-py3-none-any.whl: content check failed' }],
    sha256sums: join(cwd, 'SHA256SUMS'),
    seconds: 3.21,
    where: { step: 'collect', container: 'parked', path: 'dist' },
  };

  it('totals first in one line, problems and warnings before the table, the table sorted problems first, the commands folded away', async () => {
    const { markdown, root } = await rendered(run);
    const parts = blocks(root);
    expect(parts.map((part) => part.tag)).toEqual(['h3', 'p', 'p', 'ul', 'p', 'ul', 'table', 'p', 'details']);
    expect(text(parts[0]!)).toBe('wheel-guard collect');
    expect(text(parts[1]!)).toBe('✗ 2 problems · 5 files (3 verified, 2 failed) · 3.1 kB · 3.2 s · 4 retries · 1 warning');
    expect(text(parts[2]!)).toBe('2 problem(s):');
    expect(select(parts[3]!, 'li').map(text)).toEqual(run.problems.map((problem) => problem.message));
    expect(text(parts[4]!)).toMatch(/^1 warning\(s\)/);
    const rows = rowsOf(root);
    expect(rows.map((cells) => cells.length)).toEqual([5, 5, 5, 5, 5, 5]);
    expect(rows[0]!.map((cell) => [cell.tag, text(cell)])).toEqual(['file', 'size', 'sha256', 'status', 'attempts'].map((name) => ['th', name]));
    expect(rows.slice(1).map((cells) => cells.map(text))).toEqual([
      ['also_broken-1.0-py3-none-any.whl', '', '', 'failed', '1'],
      ['broken-1.0-py3-none-any.whl', '', '', 'failed', '4'],
      ['odd-1.0-py2.py3-none-any.whl', '10 B', 'cccccccccccc…', 'verified, 1 warning', '1'],
      ['alpha-1.0-py3-none-any.whl', '1.0 kB', 'bbbbbbbbbbbb…', 'verified', '2'],
      ['zeta-1.0-py3-none-any.whl', '2.0 kB', 'aaaaaaaaaaaa…', 'verified', '1'],
    ]);
    // The sha256 shortened in the table: the whole value is in the files output and SHA256SUMS, not here.
    for (const c of 'abc') expect(markdown).not.toContain(sha(c));
    expect(text(parts[7]!)).toBe('sha256: the first 12 hex digits; the files output and SHA256SUMS hold each in full.');
    const [details] = parts.slice(-1);
    const [summary, pre] = blocks(details!);
    expect(text(summary!)).toBe('Reproduce this check on your machine');
    expect(pre!.tag).toBe('pre');
    expect(text(pre!).split('\n')).toEqual(reproduceCommands(run, () => '', cwd));
    expect(text(pre!)).toContain('(cd dist && sha256sum -c ../SHA256SUMS)');
    // Nothing GitHub's sanitizer would remove: no element outside its allowlist, no attribute at all.
    for (const element of allElements(root).slice(1)) {
      expect(SUMMARY_ELEMENTS).toContain(element.tag);
      expect(element.attrs).toEqual({});
    }
  });

  it('a run without a problem says so first; without a container it has no commands', async () => {
    const { root } = await rendered({ files: [run.files[0]!], problems: [], seconds: 75.4 });
    const parts = blocks(root);
    expect(parts.map((part) => part.tag)).toEqual(['h3', 'p', 'table', 'p']);
    expect(text(parts[1]!)).toBe('✓ no problems · 1 file (1 verified) · 2.0 kB · 1 min 15 s · 0 retries');
  });

  // Names a stranger chose. Most cannot pass the door (core/untrusted) and show up as problems only;
  // the summary must hold every one of them literally, in its own cell or list item, whatever it holds.
  const HOSTILE = [
    'a|b|c-1.0-py3-none-any.whl',
    '| x | y |',
    '| --- | --- |',
    '\\| escaped pipe \\',
    '<img src=x onerror=alert(1)>.whl',
    '</td></tr></table><script>alert(1)</script>',
    '<details open><summary>x',
    '<!-- not closed',
    '<![CDATA[ x ]]>',
    '`code` and ``more`` and ```fence',
    '*em* **strong** _em_ __strong__ ~~del~~ ==mark==',
    '[link](javascript:alert(1)) <https://example.org> www.example.org @someone #1',
    'a & b &amp; c &lt; d &#60; e &#x3C; f',
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    'line\n\n# heading\n| a | b |\n',
    '::error::forged\r\n<b>x</b>',
    '- [ ] task',
    '1. list',
    '> quote',
    '    indented code',
    'x\u202eevil',
    '__init__-1!2.0+local_1-py3-none-any.whl',
  ];

  it('names with | < > & backticks * _ and the rest stay literal in their own cell and list item: no extra cell, no element, no HTML', async () => {
    const files: FileResult[] = HOSTILE.map((name, i) => ({
      name,
      size: i,
      sha256: sha('d'),
      status: i % 2 === 0 ? FileStatus.Failed : FileStatus.Verified,
      attempts: 1,
      ...(i === 1 ? { warnings: [`${name}: odd`] } : {}),
    }));
    const problems = HOSTILE.map((name) => ({ message: `${name}: refused` }));
    const { markdown, root } = await rendered({ files, problems, where: { step: 'collect', container: HOSTILE[5]!, path: 'dist' } });
    expect(markdown).not.toMatch(/<(img|script|b|a)[\s>]/i);
    expect(markdown.endsWith('\n')).toBe(true);
    expect(markdown.split('\n').slice(0, -1).filter((line) => line.trim() === '')).toEqual([]);
    for (const element of allElements(root).slice(1)) {
      expect(SUMMARY_ELEMENTS).toContain(element.tag);
      expect(element.attrs).toEqual({});
    }
    const rows = rowsOf(root).slice(1);
    expect(rows).toHaveLength(HOSTILE.length);
    for (const cells of rows) expect(cells.map((cell) => cell.tag)).toEqual(['td', 'td', 'td', 'td', 'td']);
    // Failed first (by name), then the one with a warning, then the rest by name: each name once, as it is (unprintables escaped).
    expect(rows.map((cells) => text(cells[0]!))).toEqual(summaryOrder(files).map((file) => plain(file.name)));
    for (const cells of rows) expect(textOnly(cells[0]!)).toBe(true);
    const [problemList, warningList] = select(root, 'ul');
    expect(select(problemList!, 'li').map(text)).toEqual(HOSTILE.map((name) => `${plain(name)}: refused`));
    expect(select(warningList!, 'li').map(text)).toEqual([`${plain(HOSTILE[1]!)}: odd`]);
    for (const li of select(root, 'li')) expect(textOnly(li)).toBe(true);
    // The container named in the commands stays inside the <pre>, quoted for the shell.
    expect(text(select(root, 'pre')[0]!)).toContain(`npx wheel-guard verify '</td></tr></table><script>alert(1)</script>'`);
  });
});

describe('the commands that reproduce the check', () => {
  const ws = '/home/runner/work/proj/proj';
  const base = { files: [], problems: [] };
  const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('collect from a directory: sha256sum -c from path, verify of path against SHA256SUMS, verify of the container', () => {
    const lines = reproduceCommands({ ...base, sha256sums: `${ws}/SHA256SUMS`, where: { step: 'collect', container: 'parked', path: 'dist' } }, inputs({}), ws, {});
    expect(lines).toEqual([
      '# each file in dist against the SHA256SUMS this run wrote (names in it are relative to dist)',
      '(cd dist && sha256sum -c ../SHA256SUMS)',
      '# the same with wheel-guard, and what is inside each file (RECORD, names, tags)',
      'npx wheel-guard verify dist --digests SHA256SUMS',
      '# the container checked again as this run checked it, in place, nothing moved',
      'npx wheel-guard verify parked',
    ]);
  });

  it('artifacts: the run and repository to fetch from, a token from gh, the patterns and checks of the step; never the github-token', () => {
    const get = inputs({ pattern: '*.whl\n*.tar.gz', 'github-token': 'ghs_SECRET', 'run-id': '42', repository: 'octo/proj', strict: 'true', 'check-contents': 'true' });
    const lines = reproduceCommands({ ...base, sha256sums: `${ws}/out/SUMS`, where: { step: 'collect', container: 'artifact://wheels-*', path: 'dist' } }, get, ws, { GITHUB_RUN_ID: '7' });
    expect(lines.filter((line) => !line.startsWith('#'))).toEqual([
      '(cd dist && sha256sum -c ../out/SUMS)',
      "npx wheel-guard verify dist --digests out/SUMS --pattern '*.whl' --pattern '*.tar.gz' --strict true",
      "GITHUB_TOKEN=$(gh auth token) npx wheel-guard verify 'artifact://wheels-*' --run-id 42 --repository octo/proj --pattern '*.whl' --pattern '*.tar.gz' --strict true",
    ]);
    expect(lines.join('\n')).not.toContain('SECRET');
    const postBuild = reproduceCommands({ ...base, where: { step: 'post-build', container: 'artifact://wheels-linux', path: 'wheelhouse' } }, inputs({}), ws, { GITHUB_RUN_ID: '7', GITHUB_REPOSITORY: 'octo/proj' });
    expect(postBuild.at(-1)).toBe('GITHUB_TOKEN=$(gh auth token) npx wheel-guard verify artifact://wheels-linux --run-id 7 --repository octo/proj');
  });

  it('S3 with an endpoint: the endpoint without its user or password, region and path style; no SAS token, no key', () => {
    const get = inputs({ endpoint: 'https://KEY:SECRET@minio.example:9000', region: 'auto', 'path-style': 'true', 'sas-token': 'sv=SECRET', 'check-contents': 'false' });
    const lines = reproduceCommands({ ...base, sha256sums: `${ws}/SHA256SUMS`, where: { step: 'post-build', container: 's3://bucket/wheels/abc', path: 'wheelhouse' } }, get, ws, { AWS_SECRET_ACCESS_KEY: 'SECRET' });
    expect(lines).toEqual([
      '# each file in wheelhouse against the SHA256SUMS this run wrote (names in it are relative to wheelhouse)',
      '(cd wheelhouse && sha256sum -c ../SHA256SUMS)',
      '# the same with wheel-guard, and what is inside each file (RECORD, names, tags)',
      'npx wheel-guard verify wheelhouse --digests SHA256SUMS --check-contents false',
      '# every pair in s3://bucket/wheels/abc checked again (your credentials for it in the environment), through a temporary directory, nothing placed',
      'npx wheel-guard verify s3://bucket/wheels/abc --endpoint https://minio.example:9000/ --region auto --path-style true --check-contents false',
    ]);
  });

  it('after a release: the digests given are the truth for path and for the index; paths outside the workspace in full', () => {
    const get = inputs({ digests: 'SHA256SUMS' });
    const lines = reproduceCommands({ ...base, where: { step: 'collect', container: 'https://pypi.org/simple/my-project/', path: 'from-pypi' } }, get, ws, {});
    expect(lines).toEqual([
      '# each file in from-pypi against SHA256SUMS, and what is inside it (RECORD, names, tags)',
      'npx wheel-guard verify from-pypi --digests SHA256SUMS',
      '# the container checked again as this run checked it, through a temporary directory, nothing placed',
      'npx wheel-guard verify https://pypi.org/simple/my-project/ --digests SHA256SUMS',
    ]);
    const outside = reproduceCommands({ ...base, sha256sums: '/tmp/sums', where: { step: 'collect', container: '/mnt/shared/w', path: '.' } }, inputs({}), ws, {});
    expect(outside.filter((line) => !line.startsWith('#'))).toEqual(['sha256sum -c /tmp/sums', 'npx wheel-guard verify . --digests /tmp/sums', 'npx wheel-guard verify /mnt/shared/w']);
  });

  it('quotes a word the shell would read into', () => {
    expect(shellWord("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(shellWord('')).toBe("''");
    expect(shellWord('s3://bucket/a-b_c.d')).toBe('s3://bucket/a-b_c.d');
  });
});
