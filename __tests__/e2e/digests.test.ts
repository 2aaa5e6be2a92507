/**
 * The `digests` input (collect, verify) and `verify URL`, on the committed
 * bundles, against a local directory container and s3rver: the release's
 * SHA256SUMS is the truth, sidecars become optional and must agree, a file
 * it lists must be there, a file it does not list is not part of the release;
 * and the digests an https:// listing states (nginx on 127.0.0.1; skipped
 * without nginx or Python, which makes its wheels, unless WG_ALL_TOOLS=1).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Nginx, startNginx } from '../helpers/nginx.js';
import { startProxy } from '../helpers/proxy.js';
import { lacks } from '../helpers/tools.js';
import { makeWheel, writeSimpleProject } from '../helpers/web-tree.js';
import { type ContainerFixture, localFixture, s3Fixture } from './fixtures.js';
import { names, problems, runAction, runCli, SAMPLES, WHEELS, workspace } from './harness.js';

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const S3 = s3Fixture();
const SUMS = 'release.SHA256SUMS';
/** A child's temporary directory: Node's os.tmpdir() reads TMPDIR on POSIX, TEMP (then TMP) on Windows. */
const tmpEnv = (dir: string): Record<string, string> => ({ TMPDIR: dir, TMP: dir, TEMP: dir });

/** The digest a line of a SHA256SUMS file gives a name. */
async function digestIn(file: string, name: string): Promise<string> {
  const line = (await readFile(file, 'utf8')).split('\n').find((l) => l.endsWith(`  ${name}`));
  return line!.slice(0, 64);
}

/** Writes `file` without the line of `name`. */
async function dropLine(file: string, name: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.split('\n').filter((line) => !line.endsWith(`  ${name}`)).join('\n'));
}

describe.each([localFixture, S3] as ContainerFixture[])('digests input, $kind container', (fx) => {
  let ws: string;
  const where = () => fx.inputs(ws).container!;
  const collect = (inputs: Record<string, string> = {}) => runAction('collect', { ...fx.inputs(ws), digests: SUMS, ...inputs }, ws, fx.env());

  beforeAll(() => fx.setup());
  afterAll(() => fx.teardown());
  beforeEach(async () => {
    ws = await workspace();
    // post-build's SHA256SUMS: the digests of exactly what was released.
    const run = await runAction('post-build', { ...fx.inputs(ws), sha256sums: SUMS }, ws, fx.env());
    expect(run.errors).toEqual([]);
  });

  it('all good: every listed file verified into path, exit 0', async () => {
    const run = await collect();
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    expect(run.outputs.count).toBe('3');
    expect(run.stdout).toContain(`checked against ${SUMS}`);
  });

  it('no sidecars at all: the digests file is enough', async () => {
    for (const wheel of WHEELS) await fx.remove(ws, `${wheel}.sha256`);
    const run = await collect();
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    for (const wheel of WHEELS) expect(await readFile(join(ws, 'dist', wheel))).toEqual(await readFile(join(ws, 'wheelhouse', wheel)));
  });

  it('a listed wheel absent from the container is a problem naming it; the others arrive', async () => {
    const wheel = WHEELS[1]!;
    await fx.remove(ws, wheel);
    await fx.remove(ws, `${wheel}.sha256`);
    const run = await collect();
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${escape(wheel)}: listed in ${escape(SUMS)} but not in ${escape(where())}/?$`))]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== wheel));
  });

  it('a sidecar that disagrees: the wheel is refused, both digests and their sources named', async () => {
    const wheel = WHEELS[0]!;
    const good = await digestIn(join(ws, SUMS), wheel);
    const bad = 'f'.repeat(64);
    await fx.put(ws, `${wheel}.sha256`, `${bad}  ${wheel}\n`);
    const run = await collect();
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([`${wheel}: its digests disagree: its sidecar ${wheel}.sha256 says sha256 ${bad}, ${SUMS} says ${good}; refused without downloading it`]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== wheel));
  });

  it('the wheel itself changed, its sidecar rewritten to match: the digests file still refuses it', async () => {
    const wheel = WHEELS[2]!;
    const other = await fx.get(ws, WHEELS[0]!);
    await fx.put(ws, wheel, other);
    await fx.put(ws, `${wheel}.sha256`, `${sha256(other)}  ${wheel}\n`);
    const run = await collect();
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringContaining(`${wheel}: its digests disagree: its sidecar ${wheel}.sha256 says sha256 ${sha256(other)}, ${SUMS} says `)]);
    expect(await names(join(ws, 'dist'))).not.toContain(wheel);
  });

  it('a file in the container the digests file does not list is not part of the release: a problem, not downloaded', async () => {
    const wheel = WHEELS[2]!;
    await dropLine(join(ws, SUMS), wheel);
    const run = await collect();
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([
      `${wheel}: not in ${SUMS}: not part of this release; it was not downloaded (narrow pattern to the release's files, or list it in ${SUMS})`,
    ]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== wheel));
  });

  it('files it lists outside pattern are ignored with an info line', async () => {
    const text = await readFile(join(ws, SUMS), 'utf8');
    await writeFile(join(ws, SUMS), `${text}${'e'.repeat(64)}  wheel_guard_sample-1.0.0.tar.gz\n`);
    const run = await collect({ pattern: 'wheel*.whl' });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/also lists 2 file\(s\) that pattern wheel\*\.whl does not select, ignored: example-21\.12-py3-none-any\.whl, wheel_guard_sample-1\.0\.0\.tar\.gz/);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w.startsWith('wheel')));
  });

  it('a wheel changed in the container (digests file and download disagree): refused after retries, never placed', async () => {
    const wheel = WHEELS[1]!;
    await fx.remove(ws, `${wheel}.sha256`);
    const bytes = await fx.get(ws, wheel);
    bytes[1000] = bytes[1000]! ^ 1;
    await fx.put(ws, wheel, bytes);
    const run = await collect({ retries: '1' });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${wheel.replace(/\./g, '\\.')}: sha256 mismatch`))]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== wheel));
  });

  it('verify URL: collects into a temporary directory, reports each file, places nothing, leaves nothing behind', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'wg-verify-tmp-'));
    const url = fx === localFixture ? pathToFileURL(join(ws, 'parked')).href : where();
    const flags = fx === localFixture ? [] : ['--endpoint', fx.inputs(ws).endpoint!];
    const good = await runCli(['verify', url, '--digests', SUMS, ...flags], ws, { ...fx.env(), ...tmpEnv(tmp) });
    expect(good.stderr).not.toMatch(/error/);
    expect(good.code).toBe(0);
    expect(good.stdout.match(/verified/g)).toHaveLength(3);
    expect(good.stdout).not.toContain('SHA256SUMS written');
    expect(await readdir(tmp)).toEqual([]);
    expect((await readdir(ws)).sort()).toEqual(fx === localFixture ? ['parked', SUMS, 'wheelhouse'] : [SUMS, 'wheelhouse']);
    // A broken wheel: exit 1, named; the temporary directory is gone all the same.
    const wheel = WHEELS[1]!;
    const bytes = await fx.get(ws, wheel);
    await fx.put(ws, wheel, bytes.subarray(0, bytes.length - 10));
    const bad = await runCli(['verify', url, '--retries', '0', ...flags], ws, { ...fx.env(), ...tmpEnv(tmp) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`error: ${wheel.replace(/\./g, '\\.')}: sha256 mismatch`));
    expect(bad.stdout).toMatch(new RegExp(`${wheel.replace(/\./g, '\\.')}.*failed`));
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe('digests input on S3: refused without download', () => {
  beforeAll(() => S3.setup());
  afterAll(() => S3.teardown());

  it('a sidecar that disagrees: the wheel is never requested', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', { ...S3.inputs(ws), sha256sums: SUMS }, ws, S3.env())).errors).toEqual([]);
    const wheel = WHEELS[0]!;
    await S3.put(ws, `${wheel}.sha256`, `${'f'.repeat(64)}  ${wheel}\n`);
    const proxy = await startProxy(S3.server().endpoint, () => undefined);
    try {
      const run = await runAction('collect', { ...S3.inputs(ws), endpoint: proxy.endpoint, digests: SUMS }, ws, S3.env());
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringContaining(`${wheel}: its digests disagree`)]);
      const gets = proxy.log.filter((line) => line.startsWith('GET'));
      expect(gets.some((line) => line.split(' ')[1]!.endsWith(`/${wheel}.sha256`))).toBe(true);
      expect(gets.some((line) => line.split(' ')[1]!.endsWith(`/${wheel}`))).toBe(false);
      expect(gets.some((line) => line.split(' ')[1]!.endsWith(`/${WHEELS[1]}`))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe('digests input, bad values', () => {
  let ws: string;
  beforeEach(async () => {
    ws = await workspace();
    expect((await runAction('post-build', { container: 'parked', sha256sums: SUMS }, ws)).errors).toEqual([]);
  });

  it.each([
    ['absent', async () => undefined, /^digests: missing\.SHA256SUMS not found \(looked for .*\); give the release's SHA256SUMS file/],
    ['empty', (dir: string) => writeFile(join(dir, 'missing.SHA256SUMS'), ''), /^digests: missing\.SHA256SUMS lists no file; give/],
    ['not sha256sum lines', (dir: string) => writeFile(join(dir, 'missing.SHA256SUMS'), '<html>not found</html>\n'), /^digests: missing\.SHA256SUMS: entry 1 is not a sha256 line/],
    ['a directory', (dir: string) => mkdir(join(dir, 'missing.SHA256SUMS')), /^digests: cannot read missing\.SHA256SUMS: .*is a directory/],
  ])('a digests file %s: one error naming the input and the fix, nothing collected (action exit 1, CLI exit 2)', async (_what, make, message) => {
    await make(ws);
    const run = await runAction('collect', { container: 'parked', digests: 'missing.SHA256SUMS' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(message)]);
    expect(await names(ws)).not.toContain('dist');
    const cli = await runCli(['collect', '--container', 'parked', '--digests', 'missing.SHA256SUMS'], ws);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/wheel-guard: digests: /);
    const verify = await runCli(['verify', 'parked', '--digests', 'missing.SHA256SUMS'], ws);
    expect(verify.code).toBe(2);
  });

  it('the digests file is never overwritten by the SHA256SUMS collect writes (both default to SHA256SUMS)', async () => {
    const { rename } = await import('node:fs/promises');
    await rename(join(ws, SUMS), join(ws, 'SHA256SUMS'));
    // The release's list names a file pattern leaves out: rewriting it would lose that line.
    const text = `${await readFile(join(ws, 'SHA256SUMS'), 'utf8')}${'e'.repeat(64)}  wheel_guard_sample-1.0.0.tar.gz\n`;
    await writeFile(join(ws, 'SHA256SUMS'), text);
    const run = await runAction('collect', { container: 'parked', digests: 'SHA256SUMS' }, ws);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await readFile(join(ws, 'SHA256SUMS'), 'utf8')).toBe(text);
    expect(run.outputs.sha256sums).toBe('');
    expect(run.stdout).toContain('is the digests file this run checked against: left as it is');
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });

  it('the root action takes digests too', async () => {
    const run = await runAction('root', { mode: 'collect', container: 'parked', digests: SUMS }, ws);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('wait: polls for a listed file still arriving', async () => {
    const wheel = WHEELS[1]!;
    const bytes = await readFile(join(ws, 'parked', wheel));
    await rm(join(ws, 'parked', wheel));
    await rm(join(ws, 'parked', `${wheel}.sha256`));
    const late = setTimeout(() => void writeFile(join(ws, 'parked', wheel), bytes), 2000);
    try {
      const run = await runAction('collect', { container: 'parked', digests: SUMS, wait: '30' }, ws);
      expect(run.errors).toEqual([]);
      expect(run.stdout).toMatch(/waiting for 1 file\(s\) still missing/);
      expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    } finally {
      clearTimeout(late);
    }
  });

  it('verify --sha256sums still works for a directory, as a deprecated alias of --digests', async () => {
    await runAction('collect', { container: 'parked', sha256sums: 'collected.sums' }, ws);
    const old = await runCli(['verify', 'dist', '--sha256sums', 'collected.sums'], ws);
    expect(old.code).toBe(0);
    expect(old.stderr).toContain('verify --sha256sums is deprecated; use --digests');
    const now = await runCli(['verify', 'dist', '--digests', 'collected.sums'], ws);
    expect(now.code).toBe(0);
    expect(now.stdout.match(/verified/g)).toHaveLength(3);
    const both = await runCli(['verify', 'dist', '--digests', 'collected.sums', '--sha256sums', 'collected.sums'], ws);
    expect(both.code).toBe(2);
    const misplaced = await runCli(['verify', 'dist', '--endpoint', 'http://127.0.0.1:1'], ws);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--endpoint applies to verify URL');
  });
});

/**
 * Digests a web listing states (https:// container, nginx on 127.0.0.1): the
 * after-release recipe against a package index laid out as mirrors lay it,
 * and a page whose digests disagree with a sidecar or state none.
 */
describe.skipIf(lacks('nginx', 'python'))('digests a web listing states (nginx)', () => {
  const DEMO = ['demo_pkg-1.0.0-py3-none-any.whl', 'demo_pkg-1.1.0-py3-none-any.whl', 'demo_pkg-2.0.0-py3-none-any.whl'];
  const RELEASED = DEMO[1]!;
  let root: string;
  let made: string;
  let server: Nginx;
  let truth: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wg-digests-site-'));
    made = await mkdtemp(join(tmpdir(), 'wg-digests-wheels-'));
    makeWheel(made, 'demo-pkg', '1.0.0', 100_000, 1);
    makeWheel(made, 'demo-pkg', '1.1.0', 300_000, 2);
    makeWheel(made, 'demo-pkg', '2.0.0', 100_000, 3);
    const wheels = DEMO.map((name) => join(made, name));
    truth = sha256(await readFile(join(made, RELEASED)));
    await writeSimpleProject(root, 'demo-pkg', wheels);
    await writeSimpleProject(root, 'demo-wrong', wheels, { digests: { [RELEASED]: 'd'.repeat(64) } });
    await writeSimpleProject(root, 'demo-yanked', wheels, { yanked: { [RELEASED]: 'broken <build>\n::warning::x' } });
    // A page written by hand: one wheel whose #sha256= disagrees with its sidecar, one with a fragment only, one with neither.
    await mkdir(join(root, 'files'));
    await mkdir(join(root, 'simple', 'mix'), { recursive: true });
    for (const name of WHEELS) await writeFile(join(root, 'files', name), await readFile(join(SAMPLES, name)));
    const [a, b, c] = WHEELS as [string, string, string];
    const digestOf = async (name: string) => sha256(await readFile(join(SAMPLES, name)));
    await writeFile(join(root, 'files', `${a}.sha256`), `${await digestOf(a)}  ${a}\n`);
    await writeFile(
      join(root, 'simple', 'mix', 'index.html'),
      '<!DOCTYPE html>\n<html><body>\n' +
        `<a href="../../files/${a}#sha256=${'e'.repeat(64)}">${a}</a>\n` +
        `<a href="../../files/${a}.sha256">${a}.sha256</a>\n` +
        `<a href="../../files/${b}#sha256=${await digestOf(b)}">${b}</a>\n` +
        `<a href="../../files/${c}">${c}</a>\n` +
        '</body></html>\n',
    );
    server = await startNginx({ root });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
    await rm(made, { recursive: true, force: true });
  });

  /** The GET requests nginx served for a file name. */
  const requested = async (name: string) => (await server.accessLog()).filter((r) => r.method === 'GET' && r.uri.split('/').pop() === name);

  /** A workspace holding the release's SHA256SUMS: the wheel of 1.1.0 and an sdist line pattern leaves out. */
  async function releaseWorkspace(): Promise<string> {
    const ws = await workspace();
    await writeFile(join(ws, 'SHA256SUMS'), `${truth}  ${RELEASED}\n${'a'.repeat(64)}  demo_pkg-1.1.0.tar.gz\n`);
    return ws;
  }

  it('the recipe: the index serves exactly the released bytes (PEP 691 hashes agree with digests), exit 0', async () => {
    const ws = await releaseWorkspace();
    const run = await runAction(
      'collect',
      { container: `${server.endpoint}/simple/demo-pkg/`, digests: 'SHA256SUMS', pattern: 'demo_pkg-1.1.0-*.whl', path: 'from-pypi', sha256sums: 'from-pypi.SHA256SUMS' },
      ws,
    );
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('SHA256SUMS also lists 1 file(s) that pattern demo_pkg-1.1.0-*.whl does not select, ignored: demo_pkg-1.1.0.tar.gz');
    expect(await readFile(join(ws, 'from-pypi.SHA256SUMS'), 'utf8')).toBe(`${truth}  ${RELEASED}\n`);
    expect(await names(join(ws, 'from-pypi'))).toEqual([RELEASED]);
  });

  it('a file of that version the release does not list: a problem, never requested', async () => {
    const ws = await releaseWorkspace();
    const run = await runAction('collect', { container: `${server.endpoint}/simple/demo-pkg/`, digests: 'SHA256SUMS', pattern: 'demo_pkg-1.*' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([
      `${DEMO[0]}: not in SHA256SUMS: not part of this release; it was not downloaded (narrow pattern to the release's files, or list it in SHA256SUMS)`,
      expect.stringMatching(/^demo_pkg-1\.1\.0\.tar\.gz: listed in SHA256SUMS but not in http/),
    ]);
    expect(await requested(DEMO[0]!)).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual([RELEASED]);
  });

  it("the index states another digest than the release's: refused before download, both named", async () => {
    const ws = await releaseWorkspace();
    const before = (await requested(RELEASED)).length;
    const run = await runAction('collect', { container: `${server.endpoint}/simple/demo-wrong/`, digests: 'SHA256SUMS', pattern: 'demo_pkg-1.1.0-*.whl' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([
      `${RELEASED}: its digests disagree: the index's JSON hashes says sha256 ${'d'.repeat(64)}, SHA256SUMS says ${truth}; refused without downloading it`,
    ]);
    expect((await requested(RELEASED)).length).toBe(before);
    expect(await names(join(ws, 'dist'))).toEqual([]);
  });

  it("a page's #sha256= that disagrees with the sidecar refuses the wheel, naming both; a wheel with neither is never downloaded", async () => {
    const ws = await workspace();
    const [a, b, c] = WHEELS as [string, string, string];
    const run = await runAction('collect', { container: `${server.endpoint}/simple/mix/` }, ws);
    expect(run.code).toBe(1);
    const trueA = sha256(await readFile(join(SAMPLES, a)));
    expect(problems(run).sort()).toEqual(
      [
        `${a}: its digests disagree: its sidecar ${a}.sha256 says sha256 ${trueA}, the index page's #sha256= fragment says ${'e'.repeat(64)}; refused without downloading it`,
        `${c}: no digest: no ${c}.sha256 sidecar in ${server.endpoint}/simple/mix/, and the listing states none; it is never downloaded unverified`,
      ].sort(),
    );
    expect(await names(join(ws, 'dist'))).toEqual([b]);
    expect(await requested(a)).toEqual([]);
    expect((await requested(`${a}.sha256`)).length).toBeGreaterThan(0);
    expect(await requested(c)).toEqual([]);
  });

  it('a yanked file is collected with a warning naming it and the reason, escaped', async () => {
    const ws = await releaseWorkspace();
    const run = await runAction('collect', { container: `${server.endpoint}/simple/demo-yanked/`, digests: 'SHA256SUMS', pattern: 'demo_pkg-1.1.0-*.whl' }, ws);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.warnings).toEqual([expect.stringContaining(`${RELEASED}: yanked in ${server.endpoint}/simple/demo-yanked/, reason: "broken <build>\\n::warning::x"`)]);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::warning'))).toHaveLength(1);
    expect(await names(join(ws, 'dist'))).toEqual([RELEASED]);
  });

  it('verify URL on the index with --digests: reports the file, places nothing', async () => {
    const ws = await releaseWorkspace();
    const tmp = await mkdtemp(join(tmpdir(), 'wg-verify-tmp-'));
    const run = await runCli(['verify', `${server.endpoint}/simple/demo-pkg/`, '--digests', 'SHA256SUMS', '--pattern', 'demo_pkg-1.1.0-*.whl'], ws, tmpEnv(tmp));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${escape(RELEASED)}.*verified`));
    expect(await readdir(tmp)).toEqual([]);
    expect((await readdir(ws)).sort()).toEqual(['SHA256SUMS', 'wheelhouse']);
    const wrong = await runCli(['verify', `${server.endpoint}/simple/demo-wrong/`, '--digests', 'SHA256SUMS', '--pattern', 'demo_pkg-1.1.0-*.whl'], ws, tmpEnv(tmp));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`${RELEASED}: its digests disagree`);
    expect(await readdir(tmp)).toEqual([]);
  });
});
