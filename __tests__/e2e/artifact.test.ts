/**
 * artifact:// against an emulated artifact service (only its HTTP API, in
 * helpers/artifact-service.ts) with a real Azurite behind it, driven by the
 * real @actions/artifact inside the committed bundles.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArtifactService, startArtifactService } from '../helpers/artifact-service.js';
import { names, NODE, problems, ROOT, runAction, SAMPLES, spawnCollect, WHEELS, workspace } from './harness.js';

let svc: ArtifactService;
let nextRun = 100;

beforeAll(async () => {
  svc = await startArtifactService();
});
afterAll(async () => {
  await svc.stop();
});

/** The environment of one job of a run, its workspace as GITHUB_WORKSPACE. */
const jobEnv = (runId: number, job: string, ws: string): Record<string, string> => ({ ...svc.jobEnv({ runId }, job), GITHUB_WORKSPACE: ws });

/** A workspace whose wheelhouse holds just these sample wheels. */
async function buildJob(wheels: string[]): Promise<string> {
  const ws = await workspace();
  const { rm } = await import('node:fs/promises');
  await rm(join(ws, 'wheelhouse'), { recursive: true });
  await mkdir(join(ws, 'wheelhouse'));
  for (const wheel of wheels) await copyFile(join(SAMPLES, wheel), join(ws, 'wheelhouse', wheel));
  return ws;
}

/** Uploads a directory as a zipped artifact with the real library, as a foreign job would. */
async function uploadRaw(runId: number, name: string, dir: string): Promise<void> {
  const script = `import { DefaultArtifactClient } from '${join(ROOT, 'node_modules/@actions/artifact/lib/artifact.js')}';
import { readdirSync } from 'node:fs';
const dir = process.argv[2];
await new DefaultArtifactClient().uploadArtifact(process.argv[1], readdirSync(dir).map((f) => dir + '/' + f), dir);`;
  const run = await spawnCollect(NODE, ['--input-type=module', '-e', script, name, dir], { cwd: dir, env: { ...process.env, ...jobEnv(runId, `raw-${name}`, dir) } });
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.code).toBe(0);
}

/** A run in which three matrix jobs ran post-build, one sample wheel each. */
async function matrixRun(): Promise<number> {
  const runId = nextRun++;
  for (const [i, wheel] of WHEELS.entries()) {
    const ws = await buildJob([wheel]);
    const run = await runAction('post-build', { container: `artifact://wheels-${i}`, path: 'wheelhouse' }, ws, jobEnv(runId, `build-${i}`, ws));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
  }
  return runId;
}

describe('artifact:// (emulated service, real @actions/artifact, Azurite)', () => {
  it('a matrix of three post-build jobs, then one collect: every wheel verified into dist', async () => {
    const runId = await matrixRun();
    expect(svc.artifacts(runId).map((a) => a.name).sort()).toEqual(['wheels-0', 'wheels-1', 'wheels-2']);
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://wheels-*', expected: 'wheel-*.whl\nexample-*.whl' }, ws, jobEnv(runId, 'release', ws));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    expect(execFileSync('sha256sum', ['-c', '../SHA256SUMS'], { cwd: join(ws, 'dist'), encoding: 'utf8' }).match(/: OK$/gm)).toHaveLength(3);
    expect(run.outputs.count).toBe('3');
  });

  it('what post-build uploads is a plain zip of the wheels and sidecars (usable by actions/download-artifact)', async () => {
    const runId = await matrixRun();
    const ws = await workspace();
    const zip = join(ws, 'a.zip');
    await writeFile(zip, await svc.blobBytes(runId, 'wheels-1'));
    const listing = execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))', zip], { encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual([WHEELS[1], `${WHEELS[1]}.sha256`]);
  });

  it('a re-run of a post-build job with identical wheels changes nothing', async () => {
    const runId = nextRun++;
    const ws = await buildJob([WHEELS[0]!]);
    await runAction('post-build', { container: 'artifact://wheels-a' }, ws, jobEnv(runId, 'build', ws));
    const before = svc.artifacts(runId);
    const again = await runAction('post-build', { container: 'artifact://wheels-a' }, ws, jobEnv(runId, 'build', ws));
    expect(again.code).toBe(0);
    expect(again.summary).toContain('unchanged');
    expect(svc.artifacts(runId)).toEqual(before);
  });

  it('a blob truncated behind the service\'s back: collect retries, fails naming the wheel, leaves nothing', async () => {
    const runId = await matrixRun();
    await svc.tamperBlob(runId, 'wheels-1', (bytes) => bytes.subarray(0, bytes.length - 200));
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://wheels-*', retries: '1' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    expect(problems(run).some((e) => e.includes(WHEELS[1]!) && e.includes('digest the artifact service recorded'))).toBe(true);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== WHEELS[1]));
  });

  it('a digest mismatch (service digest wrong) is named and the wheel left out', async () => {
    const runId = await matrixRun();
    svc.setDigest(runId, 'wheels-2', `sha256:${'0'.repeat(64)}`);
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://wheels-*', retries: '0' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    expect(problems(run).some((e) => e.includes(WHEELS[2]!))).toBe(true);
    expect(await names(join(ws, 'dist'))).not.toContain(WHEELS[2]);
  });

  it.each([
    ['a wheel whose sidecar does not match it', async (dir: string, w: string) => writeFile(join(dir, w), (await readFile(join(dir, w))).subarray(0, 1000)), /sha256 mismatch/],
    ['a wheel without its sidecar', async (dir: string, w: string) => (await import('node:fs/promises')).rm(join(dir, `${w}.sha256`)), /no sidecar/],
    ['a malformed sidecar', async (dir: string, w: string) => writeFile(join(dir, `${w}.sha256`), 'not a digest\n'), /not in sha256sum format/],
  ] as const)('an artifact holding %s: exit 1, named, nothing left in dist', async (_what, damage, reason) => {
    const runId = nextRun++;
    const dir = join(await workspace(), 'raw');
    await mkdir(dir);
    for (const wheel of WHEELS) {
      await copyFile(join(SAMPLES, wheel), join(dir, wheel));
      execFileSync('sh', ['-c', `sha256sum "${wheel}" > "${wheel}.sha256"`], { cwd: dir });
    }
    await damage(dir, WHEELS[0]!);
    await uploadRaw(runId, 'by-hand', dir);
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://by-hand', retries: '1' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    expect(problems(run).some((e) => e.includes(WHEELS[0]!) && reason.test(e))).toBe(true);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.slice(1));
  });

  it('collects another run with run-id, repository and github-token; a wrong token is one clear error', async () => {
    const runId = await matrixRun();
    const ws = await workspace();
    const env = jobEnv(nextRun++, 'release', ws);
    const other = { container: 'artifact://wheels-*', 'run-id': String(runId), repository: svc.repository };
    const run = await runAction('collect', { ...other, 'github-token': svc.githubToken }, ws, env);
    expect(run.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    expect(run.stdout).toContain(`::add-mask::${svc.githubToken}`);
    const refused = await runAction('collect', { ...other, 'github-token': 'wrong-token', path: 'dist2' }, ws, env);
    expect(refused.code).toBe(1);
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors[0]).toMatch(/github-token|refused|Bad credentials/);
  });

  it('post-build refuses a pattern as an artifact name; collect with run-id needs a token', async () => {
    const ws = await buildJob([WHEELS[0]!]);
    const run = await runAction('post-build', { container: 'artifact://wheels-*' }, ws, jobEnv(nextRun++, 'build', ws));
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/is a pattern; post-build uploads under a plain artifact name/);
    const noToken = await runAction('collect', { container: 'artifact://w-*', 'run-id': '5', repository: 'o/r' }, ws, {});
    expect(noToken.code).toBe(1);
    expect(noToken.errors[0]).toMatch(/github-token: required with run-id/);
  });
});
