/**
 * The `requirements` output file, end to end: the committed bundles collect
 * (and verify) real distributions and write it, then this machine's own pip
 * installs from it offline, and refuses a wheel swapped after the fact.
 * The tests that run pip or a helper .py skip where there is no Python (not
 * under WG_ALL_TOOLS=1).
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lacks, pipEnv, PYTHON } from '../helpers/tools.js';
import { names, problems, ROOT, runAction, runCli, SAMPLES, SDIST, WHEELS, workspace } from './harness.js';

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');
const BOTH = '*.whl\n*.tar.gz';
const SAMPLE_WHEEL = WHEELS[2]!; // wheel_guard_sample-1.0.0-py3-none-any.whl, the wheel of SDIST

/**
 * This machine's pip, cut off from its configuration: pip.conf here adds
 * `find-links = /opt/wheels`, an extra index and a constraints file, and the
 * environment PIP_FIND_LINKS. PIP_CONFIG_FILE=/dev/null (nul on Windows:
 * Python's os.devnull) makes pip read no configuration file; the PIP_*
 * variables are left out. With --no-index pip then reads nothing but the
 * --find-links directory.
 */
function pip(args: string[], cwd: string): { code: number | null; out: string } {
  const run = spawnSync(PYTHON, ['-m', 'pip', ...args], { cwd, env: pipEnv(), encoding: 'utf8' });
  return { code: run.status, out: `${run.stdout}\n${run.stderr}` };
}

/**
 * `pip install --no-index --find-links dist --require-hashes -r FILE` into
 * a fresh target directory, as the README tells a release manager to run it.
 * No --no-deps: the sample wheels require nothing outside their extras, so
 * pip needs nothing beyond the file (in hash mode every dependency would
 * have to be pinned in it too).
 */
async function pipInstall(ws: string, file: string): Promise<{ code: number | null; out: string; target: string }> {
  const target = await mkdtemp(join(tmpdir(), 'wg-pip-target-'));
  return { ...pip(['install', '--no-index', '--find-links', 'dist', '--require-hashes', '-r', file, '--target', target], ws), target };
}

/** The requirement lines of a file, without its header comments. */
const body = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

/** A workspace whose container `parked` holds the sample wheels and sdist (post-build ran). */
async function parked(): Promise<string> {
  const ws = await workspace({ sdist: true });
  const up = await runAction('post-build', { container: 'parked', pattern: BOTH, sha256sums: 'post-build.sums' }, ws);
  expect(up.errors).toEqual([]);
  return ws;
}

/** Copies a real wheel with one member changed and its RECORD rewritten: a valid wheel, other bytes, the same name. */
function trojaned(src: string, dst: string): void {
  const spec = JSON.stringify({ set: { 'wheel_guard_sample/__init__.py': 'print("not what was released")\n' }, rehash: true });
  execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/rewrite-wheel.py'), src, dst, spec]);
}

describe('requirements (collect bundle, then pip)', () => {
  it.skipIf(lacks('python'))('one line per project and version with every hash; pip installs from it offline, and refuses a swapped wheel', async () => {
    const ws = await parked();
    const run = await runAction('collect', { container: 'parked', pattern: BOTH, requirements: 'reqs.txt' }, ws);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.requirements).toBe(join(ws, 'reqs.txt'));
    expect(run.stdout).toContain('requirements: wrote reqs.txt: 3 line(s) pinning 4 file(s) by sha256');
    const text = await readFile(join(ws, 'reqs.txt'), 'utf8');
    expect(text).toMatch(/^# Written by wheel-guard collect: the 4 verified file\(s\)/);
    expect(text).toContain('#   pip install --no-index --find-links dist --require-hashes -r reqs.txt\n');
    const hash = async (name: string) => `--hash=sha256:${await sha256(join(ws, 'dist', name))}`;
    const [exampleWheel, wheelWheel] = [WHEELS[0]!, WHEELS[1]!];
    expect(body(text)).toEqual([
      `example==21.12 ${await hash(exampleWheel)}`,
      `wheel==0.43.0 ${await hash(wheelWheel)}`,
      // The wheel and the sdist of one version: one line, both hashes, sorted.
      `wheel-guard-sample==1.0.0 ${[await hash(SDIST), await hash(SAMPLE_WHEEL)].sort().join(' ')}`,
    ]);
    // Not among the distributions: twine upload dist/* sees only these.
    expect(await names(join(ws, 'dist'))).toEqual([...WHEELS, SDIST].sort());

    const installed = await pipInstall(ws, 'reqs.txt');
    expect(installed.out).toContain('Successfully installed');
    expect(installed.code).toBe(0);
    const target = await readdir(installed.target);
    for (const dir of ['example', 'example-21.12.dist-info', 'wheel', 'wheel-0.43.0.dist-info', 'wheel_guard_sample', 'wheel_guard_sample-1.0.0.dist-info']) expect(target).toContain(dir);

    // A different, valid wheel under the same name after collect (the sdist beside it is still the real one).
    const swapped = join(ws, 'swapped.whl');
    trojaned(join(ws, 'dist', SAMPLE_WHEEL), swapped);
    await writeFile(join(ws, 'dist', SAMPLE_WHEEL), await readFile(swapped));
    const refused = await pipInstall(ws, 'reqs.txt');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE');
    expect(refused.out).toMatch(/wheel-guard-sample==1\.0\.0 from .*wheel_guard_sample-1\.0\.0-py3-none-any\.whl/);
    // pip did not fall back to the sdist, nor install anything.
    expect(await readdir(refused.target)).toEqual([]);
  });

  it.skipIf(lacks('python'))('a wheel 1.0 and an sdist 1.0.0 of one project: one line (pip compares versions by PEP 440), and pip installs the wheel', async () => {
    const ws = await parked();
    const made = execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'wheel-guard-sample', '1.0', '1000'], { encoding: 'utf8' }).trim();
    const up = await runAction('post-build', { container: 'parked', pattern: 'wheel_guard_sample-1.0-*.whl', sha256sums: 'post-build.sums' }, ws);
    expect(up.errors).toEqual([]);
    const run = await runAction('collect', { container: 'parked', pattern: `wheel_guard_sample-1.0-*.whl\n${SDIST}`, requirements: 'reqs.txt' }, ws);
    expect(run.errors).toEqual([]);
    const hashes = [await sha256(made), await sha256(join(SAMPLES, SDIST))].sort().map((h) => `--hash=sha256:${h}`);
    // Spelled as the first file by name spells it (the sdist).
    expect(body(await readFile(join(ws, 'reqs.txt'), 'utf8'))).toEqual([`wheel-guard-sample==1.0.0 ${hashes.join(' ')}`]);
    const installed = await pipInstall(ws, 'reqs.txt');
    expect(installed.out).toMatch(/Successfully installed wheel-guard-sample-1\.0\s*$/m);
    expect(installed.code).toBe(0);
    expect(await readdir(installed.target)).toContain('wheel_guard_sample-1.0.dist-info');
  });

  it.skipIf(lacks('python'))('two versions of one project: a problem naming both files, no file written; pip itself refuses such a file', async () => {
    const ws = await parked();
    execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'wheel-guard-sample', '2.0', '1000']);
    const newer = 'wheel_guard_sample-2.0-py3-none-any.whl';
    const up = await runAction('post-build', { container: 'parked', pattern: newer, sha256sums: 'post-build.sums' }, ws);
    expect(up.errors).toEqual([]);
    const run = await runAction('collect', { container: 'parked', requirements: 'reqs.txt' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([
      `wheel-guard-sample: 2 versions, 1.0.0 (${SAMPLE_WHEEL}) and 2.0 (${newer}); pip installs one version of a project and refuses a requirements file pinning two, ` +
        'so reqs.txt was not written: collect one version (pattern, expected) or leave requirements empty',
    ]);
    expect(run.outputs.requirements).toBe('');
    expect(await exists(join(ws, 'reqs.txt'))).toBe(false);
    // Every file verified and was placed: only the requirements file is refused.
    expect(await names(join(ws, 'dist'))).toEqual([...WHEELS, newer].sort());

    // What pip does with both pinned, each line valid on its own:
    const lines = await Promise.all([SAMPLE_WHEEL, newer].map(async (name, i) => `wheel-guard-sample==${['1.0.0', '2.0'][i]} --hash=sha256:${await sha256(join(ws, 'dist', name))}`));
    await writeFile(join(ws, 'two.txt'), `${lines.join('\n')}\n`);
    const refused = await pipInstall(ws, 'two.txt');
    expect(refused.code).not.toBe(0);
    // pip 23.2: "Cannot install … because these package versions have conflicting dependencies", then ResolutionImpossible.
    expect(refused.out).toContain('Cannot install wheel-guard-sample==1.0.0 and wheel-guard-sample==2.0');
    expect(refused.out).toContain('ResolutionImpossible');
  });

  it.skipIf(lacks('python'))("a wheel file name's version with _ (1.0_1, the post-release 1.0-1) is pinned as pip reads it, and pip installs it", async () => {
    const ws = await workspace();
    const made = execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), ws, 'post-pkg', '1.0_1', '1000'], { encoding: 'utf8' }).trim();
    // METADATA says the version as its project would (1.0.post1): make-wheel.py copies the file name's.
    const spec = JSON.stringify({ set: { 'post_pkg-1.0_1.dist-info/METADATA': 'Metadata-Version: 2.1\nName: post-pkg\nVersion: 1.0.post1\n' }, rehash: true });
    execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/rewrite-wheel.py'), made, join(ws, 'wheelhouse', 'post_pkg-1.0_1-py3-none-any.whl'), spec]);
    expect((await runAction('post-build', { container: 'parked', pattern: 'post_pkg-*.whl' }, ws)).errors).toEqual([]);
    const run = await runAction('collect', { container: 'parked', requirements: 'reqs.txt' }, ws);
    expect(run.errors).toEqual([]);
    const hash = await sha256(join(ws, 'dist', 'post_pkg-1.0_1-py3-none-any.whl'));
    // `post-pkg==1.0_1` is a requirement pip parses but never matches ("No matching distribution found").
    expect(body(await readFile(join(ws, 'reqs.txt'), 'utf8'))).toEqual([`post-pkg==1.0-1 --hash=sha256:${hash}`]);
    const installed = await pipInstall(ws, 'reqs.txt');
    expect(installed.out).toContain('Successfully installed post-pkg-1.0.post1');
    expect(installed.code).toBe(0);
  });

  it('a run with a problem writes no file, and says so in the log', async () => {
    const ws = await parked();
    const broken = join(ws, 'parked', WHEELS[1]!);
    await writeFile(broken, (await readFile(broken)).subarray(0, 1000));
    const run = await runAction('collect', { container: 'parked', pattern: BOTH, requirements: 'reqs.txt', retries: '0' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${WHEELS[1]!.replace(/\./g, '\\.')}: sha256 mismatch`))]);
    expect(run.stdout).toContain('requirements: reqs.txt not written: this run has 1 problem(s), and it pins only a run whose every file verified; fix them and run again');
    expect(run.outputs.requirements).toBe('');
    expect(await exists(join(ws, 'reqs.txt'))).toBe(false);
  });

  it('inside path is refused before any work', async () => {
    const ws = await parked();
    const run = await runAction('collect', { container: 'parked', requirements: 'dist/reqs.txt' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([`requirements: ${join(ws, 'dist', 'reqs.txt')} is inside dist; twine upload would try to upload it there, write it elsewhere (e.g. requirements.txt in the working directory)`]);
    expect(await exists(join(ws, 'dist'))).toBe(false);
  });

  it('the root action takes it in mode collect', async () => {
    const ws = await parked();
    const run = await runAction('root', { mode: 'collect', container: 'parked', requirements: 'reqs.txt' }, ws);
    expect(run.code).toBe(0);
    expect(run.outputs.requirements).toBe(join(ws, 'reqs.txt'));
    expect(body(await readFile(join(ws, 'reqs.txt'), 'utf8')).map((line) => line.split(' ')[0])).toEqual(['example==21.12', 'wheel==0.43.0', 'wheel-guard-sample==1.0.0']);
  });
});

describe('requirements (CLI bundle)', () => {
  it.skipIf(lacks('python'))('verify DIR --requirements writes the lines collect writes; collect --requirements too; inside DIR is exit 2', async () => {
    const ws = await parked();
    const collected = await runCli(['collect', '--container', 'parked', '--pattern', '*.whl', '--pattern', '*.tar.gz', '--requirements', 'collect-reqs.txt'], ws);
    expect(collected.stderr).not.toMatch(/error:/);
    expect(collected.code).toBe(0);
    expect(collected.stdout).toContain(`requirements written to ${join(ws, 'collect-reqs.txt')}`);

    const verified = await runCli(['verify', 'dist', '--digests', 'SHA256SUMS', '--pattern', '*.whl', '--pattern', '*.tar.gz', '--requirements', 'verify-reqs.txt'], ws);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`requirements written to ${join(ws, 'verify-reqs.txt')}`);
    const fromCollect = await readFile(join(ws, 'collect-reqs.txt'), 'utf8');
    const fromVerify = await readFile(join(ws, 'verify-reqs.txt'), 'utf8');
    expect(body(fromVerify)).toEqual(body(fromCollect));
    expect(body(fromVerify)).toHaveLength(3);
    expect(fromVerify).toMatch(/^# Written by wheel-guard verify: /);
    expect(fromVerify).toContain('--find-links dist --require-hashes -r verify-reqs.txt');
    expect((await pipInstall(ws, 'verify-reqs.txt')).code).toBe(0);

    // verify URL: checked through a temporary directory, the file written all the same.
    const url = await runCli(['verify', pathToFileURL(join(ws, 'parked')).href, '--pattern', '*.whl', '--pattern', '*.tar.gz', '--requirements', 'url-reqs.txt'], ws);
    expect(url.code).toBe(0);
    const fromUrl = await readFile(join(ws, 'url-reqs.txt'), 'utf8');
    expect(body(fromUrl)).toEqual(body(fromCollect));
    expect(fromUrl).toContain('--find-links DIR --require-hashes -r url-reqs.txt');

    const inside = await runCli(['verify', 'dist', '--requirements', 'dist/r.txt'], ws);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain(`wheel-guard: requirements: ${join(ws, 'dist', 'r.txt')} is inside dist; twine upload would try to upload it there`);
    expect(await exists(join(ws, 'dist', 'r.txt'))).toBe(false);
    const misplaced = await runCli(['post-build', '--container', 'parked', '--requirements', 'r.txt'], ws);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--requirements does not apply to post-build');
  });

  it('verify DIR with a failing file writes no requirements file', async () => {
    const ws = await parked();
    await runCli(['collect', '--container', 'parked'], ws);
    const file = join(ws, 'dist', WHEELS[0]!);
    await writeFile(file, (await readFile(file)).subarray(1));
    const verified = await runCli(['verify', 'dist', '--digests', 'SHA256SUMS', '--requirements', 'reqs.txt'], ws);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toContain('requirements: reqs.txt not written: this run has 1 problem(s)');
    expect(await exists(join(ws, 'reqs.txt'))).toBe(false);
  });
});
