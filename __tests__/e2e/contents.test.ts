/**
 * The content check through the bundles: a wheel broken before it was hashed
 * (a member changed after RECORD was written) is refused by post-build before
 * upload, by collect even with a matching sidecar, and by the CLI's verify;
 * check-contents: false lets it through.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lacks, PYTHON } from '../helpers/tools.js';
import { FIXTURES } from './fixtures.js';
import { names, problems, ROOT, runAction, runCli, SAMPLES, SDIST, WHEELS, workspace } from './harness.js';

const WHEEL = 'wheel-0.43.0-py3-none-any.whl';
const MEMBER = 'wheel/util.py';

/** The sample wheel with one member changed after its RECORD was written, as bytes. */
async function brokenWheel(dir: string): Promise<Buffer> {
  const out = join(dir, `broken-${WHEEL}`);
  const spec = JSON.stringify({ set: { [MEMBER]: '# truncated by a full disk\n' } });
  execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/rewrite-wheel.py'), join(SAMPLES, WHEEL), out, spec]);
  return readFile(out);
}

const sidecar = (bytes: Buffer, name: string): string => `${createHash('sha256').update(bytes).digest('hex')}  ${name}\n`;

describe.skipIf(lacks('python')).each(FIXTURES)('content check, $kind container', (fx) => {
  let ws: string;
  let broken: Buffer;
  const postBuild = (inputs: Record<string, string> = {}) => runAction('post-build', { ...fx.inputs(ws), ...inputs }, ws, fx.env());
  const collect = (inputs: Record<string, string> = {}) => runAction('collect', { ...fx.inputs(ws), ...inputs }, ws, fx.env());

  beforeAll(() => fx.setup());
  afterAll(() => fx.teardown());
  beforeEach(async () => {
    ws = await workspace();
    broken = await brokenWheel(ws);
  });

  it('post-build refuses a wheel with a member changed after RECORD: ::error:: names file and member, exit 1, nothing of it uploaded', async () => {
    await writeFile(join(ws, 'wheelhouse', WHEEL), broken);
    const run = await postBuild();
    expect(run.code).toBe(1);
    expect(problems(run)).toHaveLength(1);
    expect(problems(run)[0]).toMatch(new RegExp(`^${WHEEL.replace(/\./g, '\\.')}: content check failed at ${MEMBER}: .*RECORD.*not uploaded`));
    const others = WHEELS.filter((w) => w !== WHEEL);
    expect(await fx.names(ws)).toEqual(others.flatMap((w) => [w, `${w}.sha256`]).sort());
    expect(run.outputs.count).toBe('2');
    expect(await readFile(join(ws, 'SHA256SUMS'), 'utf8')).not.toContain(WHEEL);
    expect(run.summary).toContain('failed');
  });

  it('post-build refuses a truncated sdist when the pattern takes sdists', async () => {
    const bytes = await readFile(join(SAMPLES, SDIST));
    await writeFile(join(ws, 'wheelhouse', SDIST), bytes.subarray(0, bytes.length - 50));
    const run = await postBuild({ pattern: '*.whl\n*.tar.gz' });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${SDIST.replace(/\./g, '\\.')}: content check failed .*gzip or tar stream breaks`))]);
    expect(await fx.names(ws)).not.toContain(SDIST);
  });

  it('post-build with check-contents: false uploads it', async () => {
    await writeFile(join(ws, 'wheelhouse', WHEEL), broken);
    const run = await postBuild({ 'check-contents': 'false' });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await fx.get(ws, WHEEL)).toEqual(broken);
  });

  describe('a wheel uploaded broken, with a sidecar that matches it', () => {
    beforeEach(async () => {
      expect((await postBuild()).code).toBe(0);
      await fx.put(ws, WHEEL, broken);
      await fx.put(ws, `${WHEEL}.sha256`, sidecar(broken, WHEEL));
    });

    it('collect refuses it after the sidecar check: named with its member, never placed in path, no temporary file left', async () => {
      const run = await collect();
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringContaining(`${WHEEL}: content check failed at ${MEMBER}: `)]);
      expect(problems(run)[0]).toContain('its sidecar matches, so it was broken before upload');
      expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== WHEEL));
      expect(run.outputs.count).toBe('2');
      expect(await readFile(join(ws, 'SHA256SUMS'), 'utf8')).not.toContain(WHEEL);
    });

    it('collect removes a broken copy already in path, though its hash matches the sidecar', async () => {
      await mkdir(join(ws, 'dist'));
      await writeFile(join(ws, 'dist', WHEEL), broken);
      const run = await collect();
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringContaining(`${WHEEL}: content check failed at ${MEMBER}`)]);
      expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== WHEEL));
    });

    it('collect with check-contents: false lets it through', async () => {
      const run = await collect({ 'check-contents': 'false' });
      expect(run.errors).toEqual([]);
      expect(run.code).toBe(0);
      expect(await readFile(join(ws, 'dist', WHEEL))).toEqual(broken);
    });
  });
});

describe.skipIf(lacks('python'))('content check, CLI', () => {
  let ws: string;
  let broken: Buffer;

  beforeEach(async () => {
    ws = await workspace();
    broken = await brokenWheel(ws);
    await writeFile(join(ws, 'wheelhouse', WHEEL), broken);
    for (const wheel of WHEELS) {
      await writeFile(join(ws, 'wheelhouse', `${wheel}.sha256`), sidecar(await readFile(join(ws, 'wheelhouse', wheel)), wheel));
    }
  });

  it('verify reports a wheel broken inside though its sidecar matches: exit 1, file and member named', async () => {
    const run = await runCli(['verify', 'wheelhouse'], ws);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${WHEEL}: content check failed at ${MEMBER}: `);
    expect(run.stderr).toContain('verify: 1 problem(s)');
    for (const wheel of WHEELS.filter((w) => w !== WHEEL)) expect(run.stdout).toContain(wheel);
  });

  it('verify against a SHA256SUMS file checks contents too', async () => {
    const sums = (await Promise.all(WHEELS.map(async (w) => sidecar(await readFile(join(ws, 'wheelhouse', w)), w)))).join('');
    await writeFile(join(ws, 'sums.txt'), sums);
    const run = await runCli(['verify', 'wheelhouse', '--sha256sums', 'sums.txt'], ws);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${WHEEL}: content check failed at ${MEMBER}`);
  });

  it('verify --check-contents false passes it; a bad value is a usage error', async () => {
    const run = await runCli(['verify', 'wheelhouse', '--check-contents', 'false'], ws);
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    const bad = await runCli(['verify', 'wheelhouse', '--check-contents', 'maybe'], ws);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('check-contents: "maybe" is not a boolean');
  });

  it('post-build refuses it and --check-contents false lets it through; the flag does not apply to demo', async () => {
    const refused = await runCli(['post-build', '--container', 'parked', '--path', 'wheelhouse'], ws);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${WHEEL}: content check failed at ${MEMBER}`);
    const allowed = await runCli(['post-build', '--container', 'parked', '--path', 'wheelhouse', '--check-contents', 'false'], ws);
    expect(allowed.code).toBe(0);
    expect(await readFile(join(ws, 'parked', WHEEL))).toEqual(broken);
    expect((await runCli(['demo', '--check-contents', 'false'], ws)).code).toBe(2);
  });
});

describe('odd but installable: a warning, a refusal with strict', () => {
  // The sample wheel renamed after it was built (as auditwheel renames): WHEEL says py3, the file name py2.py3.
  const RENAMED = 'wheel-0.43.0-py2.py3-none-any.whl';
  const ODD = `${RENAMED}: odd at wheel-0.43.0.dist-info/WHEEL: its tags (py3-none-any) are not the file name's (py2-none-any, py3-none-any); pip reads the file name`;

  async function renamedWorkspace(): Promise<string> {
    const ws = await workspace();
    const { rename } = await import('node:fs/promises');
    await rename(join(ws, 'wheelhouse', WHEEL), join(ws, 'wheelhouse', RENAMED));
    return ws;
  }

  it('post-build and collect: exit 0, one ::warning:: naming the file and what is odd, listed in the summary', async () => {
    const ws = await renamedWorkspace();
    const up = await runAction('post-build', { container: 'parked' }, ws);
    expect(up.code).toBe(0);
    expect(up.warnings).toEqual([ODD]);
    const down = await runAction('collect', { container: 'parked' }, ws);
    expect(down.code).toBe(0);
    expect(down.warnings).toEqual([ODD]);
    expect(down.summary).toContain('1 warning(s)</strong>');
    expect(await names(join(ws, 'dist'))).toContain(RENAMED);
  });

  it('strict: true refuses it in post-build and collect; the CLI verify --strict true exits 1', async () => {
    const ws = await renamedWorkspace();
    const up = await runAction('post-build', { container: 'parked', strict: 'true' }, ws);
    expect(up.code).toBe(1);
    expect(problems(up)).toEqual([expect.stringContaining("pip reads the file name; refused because strict is on; not uploaded: rebuild it")]);
    expect((await runAction('post-build', { container: 'parked' }, ws)).code).toBe(0);
    const down = await runAction('collect', { container: 'parked', strict: 'true', sha256sums: 'collect.sums' }, ws);
    expect(down.code).toBe(1);
    expect(await names(join(ws, 'dist'))).not.toContain(RENAMED);
    const lenient = await runCli(['verify', 'wheelhouse', '--sha256sums', 'SHA256SUMS'], ws);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain(`warning: ${ODD}`);
    const strict = await runCli(['verify', 'wheelhouse', '--sha256sums', 'SHA256SUMS', '--strict', 'true'], ws);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('refused because strict is on');
  });
});
