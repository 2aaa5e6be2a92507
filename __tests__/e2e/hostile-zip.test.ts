/**
 * Hostile zips through the CLI bundle, under a small heap: a directory of
 * real wheels whose zip structure lies (crafted by
 * __tests__/helpers/craft-zip.py), each with its right sha256 in SHA256SUMS,
 * so only the content check stands between them and `twine upload`.
 * `verify` must refuse each with one line naming it and the reason, exit 1,
 * and never die of memory (before the zip checks, the 255 MiB RECORD alone
 * ended the process with exit 134 under this heap).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lacks, PYTHON } from '../helpers/tools.js';
import { ROOT, runCli, SAMPLES } from './harness.js';

const CRAFT = join(ROOT, '__tests__/helpers/craft-zip.py');
const SAMPLE = 'wheel-0.43.0-py3-none-any.whl';

/** Each crafted wheel: its kind (craft-zip.py), its own version so they are distinct distributions, and the reason verify must give. */
const CASES = [
  { kind: 'name-mismatch', version: '0.43.1', reason: 'content check failed at wheel/util.py: its local header names it wheel/evil.py: the central directory and the local header differ' },
  { kind: 'overlap', version: '0.43.2', reason: 'content check failed at wheel/overlap.py: its bytes' },
  { kind: 'big-member', version: '0.43.3', reason: 'more than 250:1 is refused before inflating' },
  { kind: 'lying-size', version: '0.43.4', reason: 'content check failed at wheel/util.py: declares 3,221,225,472 bytes from 287 deflated: more than deflate can make of them' },
  { kind: 'crc-flip', version: '0.43.5', reason: 'content check failed at wheel/util.py: its CRC-32 does not match the central directory' },
  { kind: 'big-record', version: '0.43.6', reason: 'content check failed at wheel-0.43.6.dist-info/RECORD: declares 267,379,429 bytes; more than 16 MiB is refused before inflating' },
  { kind: 'record-inflates', version: '0.43.7', reason: 'content check failed at wheel-0.43.7.dist-info/RECORD: cannot be read: too many bytes' },
  { kind: 'many-members', version: '0.43.8', reason: 'the zip declares 300,000 members; more than 200,000 is refused' },
  { kind: 'evil-name', version: '0.43.9', reason: 'the zip central directory is damaged: invalid relative path: "../' },
].map((c) => ({ ...c, file: `wheel-${c.version}-py3-none-any.whl` }));

describe.skipIf(lacks('python'))('verify on hostile zips, under --max-old-space-size=96', () => {
  let ws: string;

  beforeAll(async () => {
    ws = await mkdtemp(join(tmpdir(), 'wg-hostile-'));
    await mkdir(join(ws, 'dist'));
    await copyFile(join(SAMPLES, SAMPLE), join(ws, 'dist', SAMPLE));
    for (const c of CASES) execFileSync(PYTHON, [CRAFT, c.kind, join(SAMPLES, SAMPLE), join(ws, 'dist', c.file), '--version', c.version]);
    const files = [SAMPLE, ...CASES.map((c) => c.file)];
    const lines = await Promise.all(files.map(async (file) => `${createHash('sha256').update(await readFile(join(ws, 'dist', file))).digest('hex')}  ${file}\n`));
    await writeFile(join(ws, 'sums.txt'), lines.join(''));
  });
  afterAll(() => rm(ws, { recursive: true, force: true }));

  it('refuses each crafted wheel in one line naming it and the reason; the real wheel passes; exit 1, not a crash', async () => {
    const started = Date.now();
    const run = await runCli(['verify', 'dist', '--sha256sums', 'sums.txt'], ws, {}, ['--max-old-space-size=96']);
    if (process.env.WG_SHOW) console.log(run.stdout, run.stderr);
    expect(run.stderr).not.toMatch(/heap out of memory|FATAL ERROR/);
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toHaveLength(CASES.length);
    for (const c of CASES) {
      const lines = errors.filter((line) => line.includes(c.file));
      expect(lines, c.kind).toHaveLength(1);
      expect(lines[0], c.kind).toContain(`${c.file}: `);
      expect(lines[0], c.kind).toContain(c.reason);
    }
    expect(run.stderr).toContain(`verify: ${CASES.length} problem(s)`);
    expect(run.stderr + run.stdout).not.toContain('\u001b');
    expect(errors.join('\n')).not.toContain(SAMPLE);
    expect(run.stdout).toContain(SAMPLE);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
