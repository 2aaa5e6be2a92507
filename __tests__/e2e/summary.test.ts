/**
 * The job summary the bundles write, read as a person reads it on GitHub:
 * the GITHUB_STEP_SUMMARY file of a real run rendered as GitHub Flavored
 * Markdown with HTML (helpers/markdown.ts), parsed as a browser parses it,
 * and its commands run as written.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allElements, blocks, type Element, renderSummary, select, SUMMARY_ELEMENTS, text } from '../helpers/markdown.js';
import { lacks, NOT_POSIX } from '../helpers/tools.js';
import { NODE, problems, ROOT, runAction, type Run, SAMPLES, spawnCollect, WHEELS, workspace } from './harness.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

// The sample wheel renamed after it was built: installable, with a warning (WHEEL's tags are not the file name's).
const RENAMED = 'wheel-0.43.0-py2.py3-none-any.whl';
// A valid wheel name full of Markdown: its bytes are another distribution's, so the content check refuses it.
const MARKDOWN_NAME = '__init__-1!2.0+local_1-py3-none-any.whl';
// Names no distribution can have: refused at the door, each a problem quoting it.
const HOSTILE = ['a|b<c>&d-1.0-py3-none-any.whl', 'x`y`*z*_w_-1.0-py3-none-any.whl', '<img src=x onerror=alert(1)>.whl', '| a | b |.whl', '<li><script>alert(1)<!--.whl'];

/** The rendered summary's parts, after checking that GitHub's sanitizer would have nothing to remove. */
function shown(run: Run): { root: Element; parts: Element[] } {
  expect(run.summary.split('\n').slice(0, -1).filter((line) => line.trim() === '')).toEqual([]);
  const root = renderSummary(run.summary);
  for (const element of allElements(root).slice(1)) {
    expect(SUMMARY_ELEMENTS).toContain(element.tag);
    expect(element.attrs).toEqual({});
  }
  return { root, parts: blocks(root) };
}

/** The table's data rows as cell texts, after checking each row has its five cells and each name cell is text only. */
function tableRows(root: Element): string[][] {
  const [table, ...more] = select(root, 'table');
  expect(more).toEqual([]);
  const [header, ...rows] = select(table!, 'tr').map((tr) => blocks(tr));
  expect(header!.map(text)).toEqual(['file', 'size', 'sha256', 'status', 'attempts']);
  for (const cells of rows) {
    expect(cells.map((cell) => cell.tag)).toEqual(['td', 'td', 'td', 'td', 'td']);
    expect(cells[0]!.children.every((child) => typeof child === 'string')).toBe(true);
  }
  return rows.map((cells) => cells.map(text));
}

/** The commands of the folded section, comments left out. */
function commandsOf(root: Element): string[] {
  const [details] = select(root, 'details');
  const [summary, pre] = blocks(details!);
  expect(text(summary!)).toBe('Reproduce this check on your machine');
  return text(pre!)
    .split('\n')
    .filter((line) => !line.startsWith('#'));
}

/** The summary's commands are POSIX shell (a subshell, cd, &&): run with bash, which Windows does not promise. */
const NO_SHELL = NOT_POSIX && "the summary's commands run under bash, a POSIX shell";
/** Windows file names cannot hold < > | * (the hostile names below). */
const NO_HOSTILE_NAMES = NOT_POSIX && 'Windows file names cannot hold < > | *';

/** Runs a command from the summary as a person would, in the workspace: `npx wheel-guard` is this checkout's bundle. */
async function runCommand(line: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  expect(line).toMatch(/^(\(cd [^ ]+ && )?sha256sum -c |^npx wheel-guard verify /);
  const script = line.replace(/npx wheel-guard /, '"$WG_NODE" "$WG_CLI" ');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', WG_NODE: NODE, WG_CLI: join(ROOT, 'dist/cli/index.js') };
  return spawnCollect('bash', ['-c', script], { cwd, env });
}

/** The summary's count of something: "1 retry", "2 retries". */
const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

describe('the job summary of a real run, as GitHub shows it', () => {
  let ws: string;
  let postBuild: Run;
  beforeAll(async () => {
    ws = await workspace();
    await rename(join(ws, 'wheelhouse', WHEELS[1]!), join(ws, 'wheelhouse', RENAMED));
    postBuild = await runAction('post-build', { container: 'parked' }, ws);
  });

  it.skipIf(lacks('sha256sum') || NO_SHELL)('post-build: the totals line first, the warning before the table, the warned file first, sha256 shortened, commands that pass as written', async () => {
    expect(postBuild.code).toBe(0);
    const { root, parts } = shown(postBuild);
    expect(parts.map((part) => part.tag)).toEqual(['h3', 'p', 'p', 'ul', 'table', 'p', 'details']);
    expect(text(parts[0]!)).toBe('wheel-guard post-build');
    expect(text(parts[1]!)).toMatch(/^✓ no problems · 3 files \(3 uploaded\) · \d+\.\d kB · \d+\.\d s · 0 retries · 1 warning$/);
    expect(select(parts[3]!, 'li').map(text)).toEqual(postBuild.warnings);
    const files = JSON.parse(postBuild.outputs.files!) as { name: string; sha256: string }[];
    const digest = new Map(files.map((file) => [file.name, file.sha256]));
    expect(tableRows(root).map(([name, , sha, status]) => [name, sha, status])).toEqual([
      [RENAMED, `${digest.get(RENAMED)!.slice(0, 12)}…`, 'uploaded, 1 warning'],
      [WHEELS[0], `${digest.get(WHEELS[0]!)!.slice(0, 12)}…`, 'uploaded'],
      [WHEELS[2], `${digest.get(WHEELS[2]!)!.slice(0, 12)}…`, 'uploaded'],
    ]);
    // The whole sha256 is in the files output and SHA256SUMS, not in the summary.
    for (const file of files) {
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(postBuild.summary).not.toContain(file.sha256);
    }
    expect((await readFile(join(ws, 'SHA256SUMS'), 'utf8')).trimEnd().split('\n').sort()).toEqual(files.map((file) => `${file.sha256}  ${file.name}`).sort());
    const commands = commandsOf(root);
    expect(commands).toEqual(['(cd wheelhouse && sha256sum -c ../SHA256SUMS)', 'npx wheel-guard verify wheelhouse --digests SHA256SUMS', 'npx wheel-guard verify parked']);
    for (const command of commands) {
      const result = await runCommand(command, ws);
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: expect.any(String) });
    }
  });

  it.skipIf(lacks('sha256sum') || NO_SHELL || NO_HOSTILE_NAMES)('collect with problems: hostile names stay literal in the problems, failures lead the table, and the commands reach the same verdict', async () => {
    const parked = join(ws, 'parked');
    // A sidecar that does not match its wheel: a failure after its retry.
    await writeFile(join(parked, `${WHEELS[0]}.sha256`), `${'0'.repeat(64)}  ${WHEELS[0]}\n`);
    const sample = await readFile(join(SAMPLES, WHEELS[2]!));
    for (const name of [MARKDOWN_NAME, ...HOSTILE]) {
      await writeFile(join(parked, name), sample);
      await writeFile(join(parked, `${name}.sha256`), `${sha256(sample)}  ${name}\n`);
    }
    const run = await runAction('collect', { container: 'parked', retries: '1' }, ws);
    expect(run.code).toBe(1);
    const { root, parts } = shown(run);
    expect(parts.map((part) => part.tag)).toEqual(['h3', 'p', 'p', 'ul', 'p', 'ul', 'table', 'p', 'details']);

    // The problems, each exactly as its annotation says it, hostile names literal and inert.
    const found = problems(run);
    const listed = select(parts[3]!, 'li');
    expect(listed.map(text)).toEqual(found);
    for (const li of listed) expect(li.children.every((child) => typeof child === 'string')).toBe(true);
    for (const name of HOSTILE) expect(found.some((problem) => problem.includes(name))).toBe(true);
    expect(text(parts[2]!)).toBe(`${found.length} problem(s):`);

    // Failed first, by name; then the warned one; then the rest. Attempts as the run counted them.
    const rows = tableRows(root);
    expect(rows.map(([name, , , status]) => [name, status])).toEqual([
      [MARKDOWN_NAME, 'failed'],
      [WHEELS[0], 'failed'],
      [RENAMED, 'verified, 1 warning'],
      [WHEELS[2], 'verified'],
    ]);
    expect(rows[1]![4]).toBe('2');
    const retries = rows.reduce((sum, row) => sum + Number(row[4]) - 1, 0);
    expect(text(parts[1]!)).toMatch(new RegExp(`^✗ ${found.length} problems · 4 files \\(2 verified, 2 failed\\) · \\d+\\.\\d kB · \\d+\\.\\d s · ${counted(retries, 'retry', 'retries')} · 1 warning$`));
    const files = JSON.parse(run.outputs.files!) as { name: string; sha256: string }[];
    expect(rows.slice(2).map((row) => row[2])).toEqual(files.sort((a, b) => (a.name < b.name ? -1 : 1)).map((file) => `${file.sha256.slice(0, 12)}…`));

    // Checked again by hand: the files placed pass, the container fails as the run did, naming the same wheel.
    const commands = commandsOf(root);
    expect(commands).toEqual(['(cd dist && sha256sum -c ../SHA256SUMS)', 'npx wheel-guard verify dist --digests SHA256SUMS', 'npx wheel-guard verify parked']);
    const [sums, dist, container] = await Promise.all(commands.map((command) => runCommand(command, ws)));
    expect(sums!.code).toBe(0);
    expect(sums!.stdout.match(/: OK$/gm)).toHaveLength(2);
    expect(dist!.code).toBe(0);
    expect(container!.code).toBe(1);
    expect(container!.stderr).toContain(`error: ${WHEELS[0]}`);
  });

  it('a file name full of Markdown in a verified row stays one text cell (the door lets only letters, digits and . _ + ! - in)', async () => {
    const dir = join(ws, 'markdown');
    await mkdir(dir);
    const sample = await readFile(join(SAMPLES, WHEELS[2]!));
    await writeFile(join(dir, MARKDOWN_NAME), sample);
    await writeFile(join(dir, `${MARKDOWN_NAME}.sha256`), `${sha256(sample)}  ${MARKDOWN_NAME}\n`);
    const run = await runAction('collect', { container: 'markdown', path: 'dist-md', sha256sums: 'md.sums', 'check-contents': 'false' }, ws);
    expect(run.code).toBe(0);
    const { root } = shown(run);
    expect(tableRows(root).map(([name, , , status]) => [name, status])).toEqual([[MARKDOWN_NAME, 'verified']]);
    expect(select(root, 'em')).toEqual([]);
    expect(select(root, 'strong').map(text)).toEqual(['✓ no problems']);
    expect(commandsOf(root)).toEqual(['(cd dist-md && sha256sum -c ../md.sums)', 'npx wheel-guard verify dist-md --digests md.sums --check-contents false', 'npx wheel-guard verify markdown --check-contents false']);
  });
});
