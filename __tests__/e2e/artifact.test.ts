/**
 * artifact:// against an emulated artifact service (only its HTTP API, in
 * helpers/artifact-service.ts) with a real Azurite behind it, driven by the
 * real @actions/artifact inside the committed bundles.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArtifactService, startArtifactService } from '../helpers/artifact-service.js';
import { lacks, PYTHON, sha256sumCheck, sha256sumSidecar } from '../helpers/tools.js';
import { names, NODE, problems, ROOT, runAction, type Run, SAMPLES, spawnCollect, stepEnv, stepResult, WHEELS, workspace } from './harness.js';

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
  // The library as a file: URL (a Windows path is no import specifier), the files joined as the platform joins them.
  const script = `import { DefaultArtifactClient } from ${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/@actions/artifact/lib/artifact.js')).href)};
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
await new DefaultArtifactClient().uploadArtifact(process.argv[1], readdirSync(dir).map((f) => join(dir, f)), dir);`;
  const run = await spawnCollect(NODE, ['--input-type=module', '-e', script, name, dir], { cwd: dir, env: { ...process.env, ...jobEnv(runId, `raw-${name}`, dir) } });
  expect(run.stderr).not.toMatch(/Error/);
  expect(run.code).toBe(0);
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A zip of these members (names as given, any bytes), deflated, written by Python's zipfile: names no uploader would send. */
function craftZip(members: [string, Buffer][]): Buffer {
  const script = `import base64, io, json, sys, zipfile
out = io.BytesIO()
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for name, data in json.load(sys.stdin):
        z.writestr(zipfile.ZipInfo(name), base64.b64decode(data), compress_type=zipfile.ZIP_DEFLATED)
sys.stdout.buffer.write(out.getvalue())`;
  return execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(members.map(([name, data]) => [name, data.toString('base64')])), maxBuffer: 256 * 1024 * 1024 });
}

/** What a process and the children it waited for wrote through write(2) and its kin (Linux: /proc/PID/io `wchar`). */
const HAS_PROC_IO = existsSync('/proc/self/io');

/**
 * Runs collect's bundle as runAction does, with TMPDIR (where the artifact
 * stage goes) set to a fresh folder, and measures every byte the process
 * wrote: bash waits for node and reads its own /proc/PID/io, which then
 * holds node's counts too. Without /proc (macOS, Windows) node runs alone
 * and `written` is NaN: the tests read it only where HAS_PROC_IO.
 */
async function collectMeasured(inputs: Record<string, string>, cwd: string, extraEnv: Record<string, string>): Promise<Run & { written: number; tmp: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'wg-tmpdir-'));
  const { files, env } = await stepEnv(inputs, cwd, { ...extraEnv, TMPDIR: tmp });
  const ioFile = join(files, 'io');
  env.WG_IO = ioFile;
  const shell = '"$0" "$@"; code=$?; cat /proc/$$/io > "$WG_IO"; exit $code';
  try {
    const spawned = HAS_PROC_IO
      ? await spawnCollect('bash', ['-c', shell, NODE, join(ROOT, 'dist/collect/index.js')], { cwd, env })
      : await spawnCollect(NODE, [join(ROOT, 'dist/collect/index.js')], { cwd, env });
    const io = HAS_PROC_IO ? await readFile(ioFile, 'utf8') : '';
    return {
      ...(await stepResult(spawned, files)),
      written: HAS_PROC_IO ? Number(/^wchar: (\d+)$/m.exec(io)![1]) : Number.NaN,
      tmp,
    };
  } finally {
    await rm(files, { recursive: true, force: true });
  }
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
  it.skipIf(lacks('sha256sum'))('a matrix of three post-build jobs, then one collect: every wheel verified into dist', async () => {
    const runId = await matrixRun();
    expect(svc.artifacts(runId).map((a) => a.name).sort()).toEqual(['wheels-0', 'wheels-1', 'wheels-2']);
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://wheels-*', expected: 'wheel-*.whl\nexample-*.whl' }, ws, jobEnv(runId, 'release', ws));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    expect(sha256sumCheck(join(ws, 'dist'), '../SHA256SUMS').match(/: OK$/gm)).toHaveLength(3);
    expect(run.outputs.count).toBe('3');
  });

  it.skipIf(lacks('python'))('what post-build uploads is a plain zip of the wheels and sidecars (usable by actions/download-artifact)', async () => {
    const runId = await matrixRun();
    const ws = await workspace();
    const zip = join(ws, 'a.zip');
    await writeFile(zip, await svc.blobBytes(runId, 'wheels-1'));
    const listing = execFileSync(PYTHON, ['-c', 'import sys, zipfile; print("\\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))', zip], { encoding: 'utf8' });
    // Python's print ends lines with CRLF on Windows.
    expect(listing.trim().split(/\r?\n/)).toEqual([WHEELS[1], `${WHEELS[1]}.sha256`]);
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

  it.skipIf(lacks('sha256sum')).each([
    ['a wheel whose sidecar does not match it', async (dir: string, w: string) => writeFile(join(dir, w), (await readFile(join(dir, w))).subarray(0, 1000)), /sha256 mismatch/],
    ['a wheel without its sidecar', async (dir: string, w: string) => (await import('node:fs/promises')).rm(join(dir, `${w}.sha256`)), /no sidecar/],
    ['a malformed sidecar', async (dir: string, w: string) => writeFile(join(dir, `${w}.sha256`), 'not a digest\n'), /not a sha256 line|not in sha256sum format/],
  ] as const)('an artifact holding %s: exit 1, named, nothing left in dist', async (_what, damage, reason) => {
    const runId = nextRun++;
    const dir = join(await workspace(), 'raw');
    await mkdir(dir);
    for (const wheel of WHEELS) {
      await copyFile(join(SAMPLES, wheel), join(dir, wheel));
      sha256sumSidecar(dir, wheel);
    }
    await damage(dir, WHEELS[0]!);
    await uploadRaw(runId, 'by-hand', dir);
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://by-hand', retries: '1' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    expect(problems(run).some((e) => e.includes(WHEELS[0]!) && reason.test(e))).toBe(true);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.slice(1));
  });

  /** A foreign job's artifact of eight wheels whose sidecars are well formed but all wrong. */
  async function wrongSidecars(runId: number, name: string): Promise<string[]> {
    const dir = join(await workspace(), 'raw');
    await mkdir(dir);
    const wheels = Array.from({ length: 8 }, (_, i) => `wrong${i}-1.0-py3-none-any.whl`);
    for (const wheel of wheels) {
      await copyFile(join(SAMPLES, WHEELS[0]!), join(dir, wheel));
      await writeFile(join(dir, `${wheel}.sha256`), `${'ab'.repeat(32)}  ${wheel}\n`);
    }
    await uploadRaw(runId, name, dir);
    return wheels;
  }

  it('an artifact whose zip matched its digest is downloaded once, however often its wheels fail their sidecars', async () => {
    const runId = nextRun++;
    const wheels = await wrongSidecars(runId, 'wrong-sidecars');
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://wrong-sidecars', retries: '3' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    for (const wheel of wheels) expect(problems(run).filter((e) => e.includes(wheel) && /sha256 mismatch/.test(e))).toHaveLength(1);
    // Every wheel was tried 4 times (retries 3) and its sidecar read again: all from the one download.
    expect(run.warnings.filter((w) => /retrying/.test(w)).length).toBeGreaterThanOrEqual(wheels.length * 3);
    expect(svc.downloads(runId, 'wrong-sidecars')).toBe(1);
    expect(await names(join(ws, 'dist'))).toEqual([]);
  });

  it('an artifact the service recorded no digest for is downloaded again at most once for a mismatch', async () => {
    const runId = nextRun++;
    const wheels = await wrongSidecars(runId, 'no-digest');
    svc.setDigest(runId, 'no-digest', '');
    const ws = await workspace();
    const run = await runAction('collect', { container: 'artifact://no-digest', retries: '3' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    for (const wheel of wheels) expect(problems(run).filter((e) => e.includes(wheel) && /sha256 mismatch/.test(e))).toHaveLength(1);
    expect(svc.downloads(runId, 'no-digest')).toBe(2);
  });

  it.skipIf(!HAS_PROC_IO || lacks('sha256sum'))('only what the patterns select is unpacked: a 50 MB file of zeros and a wheel the pattern leaves out are never written', async () => {
    const runId = nextRun++;
    const dir = join(await workspace(), 'raw');
    await mkdir(dir);
    const wheel = WHEELS[0]!;
    await copyFile(join(SAMPLES, wheel), join(dir, wheel));
    sha256sumSidecar(dir, wheel);
    // Both compress to almost nothing: neither is held back by the cap on what an artifact may unpack.
    await writeFile(join(dir, 'notes.bin'), Buffer.alloc(50_000_000));
    const other = 'other-1.0-py3-none-any.whl';
    await writeFile(join(dir, other), Buffer.alloc(10_000_000));
    sha256sumSidecar(dir, other);
    await uploadRaw(runId, 'with-notes', dir);
    expect(svc.artifacts(runId)[0]!.size).toBeLessThan(1_000_000);

    const ws = await workspace();
    const run = await collectMeasured({ container: 'artifact://with-notes', pattern: 'example-*.whl' }, ws, jobEnv(runId, 'release', ws));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.count).toBe('1');
    expect(await names(join(ws, 'dist'))).toEqual([wheel]);
    // Everything the process wrote (the zip, the wheel twice, its sidecar, the log): far below either file.
    expect(run.written).toBeGreaterThan(0);
    expect(run.written).toBeLessThan(4_000_000);
    // The stage was under TMPDIR, and is gone.
    expect(await readdir(run.tmp)).toEqual([]);
  });

  it('sidecars over 4 KiB in an artifact are refused, not unpacked: one line each names the sidecar and the cap', async () => {
    const runId = nextRun++;
    const dir = join(await workspace(), 'raw');
    await mkdir(dir);
    const [small, large] = [WHEELS[0]!, WHEELS[2]!];
    for (const [wheel, padding] of [[small, 5000], [large, 10_000_000]] as const) {
      const bytes = await readFile(join(SAMPLES, wheel));
      await writeFile(join(dir, wheel), bytes);
      // A right digest line, then padding: only its size is wrong.
      await writeFile(join(dir, `${wheel}.sha256`), `${sha256(bytes)}  ${wheel}\n${' '.repeat(padding)}\n`);
    }
    await uploadRaw(runId, 'big-sidecar', dir);
    const ws = await workspace();
    const run = await collectMeasured({ container: 'artifact://big-sidecar' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    for (const wheel of [small, large]) {
      expect(problems(run).filter((e) => e.includes(`${wheel}.sha256`) && e.includes('4 KiB') && e.includes('not unpacked'))).toHaveLength(1);
    }
    expect(await names(join(ws, 'dist'))).toEqual([]);
    // The 10 MB sidecar (within the artifact's cap: only the sidecar cap holds it back) was never written.
    if (HAS_PROC_IO) expect(run.written).toBeLessThan(4_000_000);
  });

  it.skipIf(lacks('sha256sum'))('a wheel that inflates past the artifact\'s cap (a zip bomb) is refused unwritten, naming it and the cap', async () => {
    const runId = nextRun++;
    const dir = join(await workspace(), 'raw');
    await mkdir(dir);
    const bomb = 'bomb-1.0-py3-none-any.whl';
    await writeFile(join(dir, bomb), Buffer.alloc(40 * 1024 * 1024));
    sha256sumSidecar(dir, bomb);
    await copyFile(join(SAMPLES, WHEELS[0]!), join(dir, WHEELS[0]!));
    sha256sumSidecar(dir, WHEELS[0]!);
    await uploadRaw(runId, 'bomb', dir);
    const ws = await workspace();
    const run = await collectMeasured({ container: 'artifact://bomb' }, ws, jobEnv(runId, 'release', ws));
    expect(run.code).toBe(1);
    const named = problems(run).filter((e) => e.includes(bomb) && e.includes('past what one artifact may unpack') && e.includes('16 MiB'));
    expect(named).toHaveLength(1);
    expect(await names(join(ws, 'dist'))).toEqual([WHEELS[0]]);
    if (HAS_PROC_IO) expect(run.written).toBeLessThan(4_000_000);
  });

  it.skipIf(lacks('python'))('members named with a newline or ../ are not unpacked, and their names reach the log only escaped', async () => {
    const runId = nextRun++;
    const good = WHEELS[0]!;
    const bytes = await readFile(join(SAMPLES, good));
    const line = (name: string) => Buffer.from(`${sha256(bytes)}  ${name}\n`);
    const forged = 'evil\n::error title=pwned::forged\n-1.0-py3-none-any.whl';
    const escape = 'escape-1.0-py3-none-any.whl';
    await svc.putArtifact({ runId }, 'crafted', craftZip([
      [good, bytes],
      [`${good}.sha256`, line(good)],
      [forged, bytes],
      [`${forged}.sha256`, line(forged)],
      [`../${escape}`, bytes],
      [`../${escape}.sha256`, line(escape)],
    ]));
    const ws = await workspace();
    const tmp = await mkdtemp(join(tmpdir(), 'wg-tmpdir-'));
    // check-contents off: an ../escape unpacked under its base name would verify and land in dist.
    const run = await runAction('collect', { container: 'artifact://crafted', 'check-contents': 'false' }, ws, { ...jobEnv(runId, 'release', ws), TMPDIR: tmp });
    expect(run.code).toBe(1);
    expect(await names(join(ws, 'dist'))).toEqual([good]);
    // No line of the log is a command the zip wrote: only the tool's own ::error:: lines.
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('::error title=pwned') || l === 'forged' || l.startsWith('-1.0-py3'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('::error') && !l.startsWith('::error::'))).toEqual([]);
    expect(run.stdout).toContain('evil\\n::error title=pwned::forged\\n-1.0-py3-none-any.whl');
    expect(problems(run).some((e) => e.includes(escape) && e.includes(`../${escape}`))).toBe(true);
    // Nothing was written beside the stage (where ../ would lead), and the stage is gone.
    expect(await readdir(tmp)).toEqual([]);
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
