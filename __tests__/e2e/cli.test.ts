import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lacks, sha256sumCheck } from '../helpers/tools.js';
import { names, ROOT, runCli, WHEELS, workspace } from './harness.js';

describe('CLI bundle', () => {
  it('--help prints usage and exits 0; no command or an unknown flag exits 2', async () => {
    const help = await runCli(['--help'], ROOT);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/wheel-guard post-build --container URL/);
    expect(help.stdout).toMatch(/exit codes: 0/);
    expect((await runCli([], ROOT)).code).toBe(2);
    const bad = await runCli(['collect', '--container', 'x', '--bogus'], ROOT);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--bogus/);
    const wrongCommand = await runCli(['publish'], ROOT);
    expect(wrongCommand.code).toBe(2);
    expect(wrongCommand.stderr).toMatch(/unknown command "publish"/);
    const misplaced = await runCli(['collect', '--container', 'x', '--overwrite'], ROOT);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/--overwrite does not apply to collect/);
  });

  it('post-build, collect and verify with flags named like the inputs; plain lines off a TTY', async () => {
    const ws = await workspace();
    const up = await runCli(['post-build', '--container', 'parked', '--path', 'wheelhouse', '--concurrency', '2'], ws);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/file\s+size\s+sha256\s+status\s+attempts/);
    expect(up.stderr).not.toContain('\r');
    expect(up.stdout).not.toContain('::debug::');
    const down = await runCli(['collect', '--container', 'parked', '--expected', 'wheel-*.whl', '--sha256sums', 'sums.txt'], ws);
    expect(down.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    const verified = await runCli(['verify', 'dist', '--sha256sums', 'sums.txt'], ws);
    expect(verified.code).toBe(0);
    expect(verified.stdout.match(/verified/g)).toHaveLength(3);
    const pairs = await runCli(['verify', 'parked'], ws);
    expect(pairs.code).toBe(0);
  });

  it('exit 1 and the wheel named when a wheel is broken; exit 2 for a bad flag value', async () => {
    const ws = await workspace();
    await runCli(['post-build', '--container', 'parked'], ws);
    const file = join(ws, 'parked', WHEELS[1]!);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    const down = await runCli(['collect', '--container', 'parked', '--retries', '0'], ws);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`error: ${WHEELS[1]!.replace(/\./g, '\\.')}: sha256 mismatch`));
    expect(await names(join(ws, 'dist'))).not.toContain(WHEELS[1]);
    const verify = await runCli(['verify', 'parked'], ws);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(WHEELS[1]);
    const bad = await runCli(['collect', '--container', 'parked', '--retries', 'x'], ws);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/retries: "x" is not an integer/);
  });

  it.skipIf(lacks('sha256sum'))('demo: post-build then collect of the shipped samples, the table printed, every wheel verified', async () => {
    const ws = await workspace();
    await rm(join(ws, 'wheelhouse'), { recursive: true });
    // As the installed command runs it (npm install -g, pipx): npm did not start it.
    const demo = await runCli(['demo'], ws, { npm_command: '' });
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/collect\nfile\s+size\s+sha256/);
    expect(await names(join(ws, '.wheel-guard-demo', 'dist'))).toEqual(WHEELS);
    sha256sumCheck(join(ws, '.wheel-guard-demo', 'dist'), '../SHA256SUMS');
    // The hint names the command the way this run was started.
    expect(demo.stdout).toContain(`-100 ${join(ws, '.wheel-guard-demo', 'container', WHEELS[1]!)} && wheel-guard collect --container `);
    const viaNpm = await runCli(['demo'], ws, { npm_command: 'start' });
    expect(viaNpm.code).toBe(0);
    expect(viaNpm.stdout).toContain(' && npx wheel-guard collect --container ');
  });
});

// util-linux script(1) (-e, -c): macOS' BSD script takes other arguments, and Windows has none.
const NO_SCRIPT = process.platform !== 'linux' && "util-linux script(1) gives the pseudo-terminal, on Linux only";

describe('CLI on a terminal', () => {
  it.skipIf(NO_SCRIPT)('draws a live progress line when stdout is a TTY (run under script(1) for a pseudo-terminal)', async () => {
    const ws = await workspace();
    const { spawnCollect, NODE } = await import('./harness.js');
    const run = await spawnCollect('script', ['-qec', `${NODE} ${join(ROOT, 'dist/cli/index.js')} demo`, '/dev/null'], { cwd: ws, env: process.env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\r\x1b\[K\[\d+ done\] [^\r\n]*\.whl \d+%/);
  });
});
