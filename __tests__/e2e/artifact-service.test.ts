/**
 * The artifact-service fixture (helpers/artifact-service.ts) against the real
 * @actions/artifact 6 DefaultArtifactClient, run in a WG_NODE child process
 * (importing the library costs ~1 s, so one child serves every call): before
 * each call the child's process.env is reset to what it was started with plus
 * that call's job env (jobEnv), as the library reads its env at call time.
 * GITHUB_API_URL is the exception (read once, when @actions/github loads):
 * the child starts with a complete jobEnv. The child's env also points
 * HTTP(S)_PROXY / ALL_PROXY at a trap that answers 502 and counts
 * connections: nothing may reach it (the machine may set proxy variables).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { startProxy } from '../helpers/proxy.js';
import { SAMPLE_EXAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, SAMPLES, useTempDirs } from '../helpers/tmp.js';
import { NODE, ROOT } from './harness.js';

const LIB = pathToFileURL(join(ROOT, 'node_modules/@actions/artifact/lib/artifact.js')).href;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const fileSha = async (path: string): Promise<string> => sha256(await readFile(path));

/** The child: `new DefaultArtifactClient()[op](...args)` per IPC message, with that message's env. */
const CHILD = `
const base = { ...process.env };
const { DefaultArtifactClient } = await import(base.WG_ARTIFACT_LIB);
process.on('message', async ({ id, env, op, args }) => {
  for (const key of Object.keys(process.env)) if (!(key in base)) delete process.env[key];
  Object.assign(process.env, base, env);
  let out;
  try {
    out = { ok: await new DefaultArtifactClient()[op](...args) };
  } catch (error) {
    out = { error: { name: error?.name, message: String(error?.message ?? error), status: error?.status } };
  }
  process.stdout.write('@@DONE@@' + id + '\\n', () => process.send({ id, out: JSON.parse(JSON.stringify(out)) }));
});
process.send({ ready: true });
`;

interface CallResult<T> {
  ok?: T;
  error?: { name: string; message: string; status?: number };
  /** The child's stdout during the call (@actions/core's ::debug::/::warning:: lines, info). */
  stdout: string;
}

const tempDir = useTempDirs();
/** The trap's address: 127.0.0.2, apart from the services; macOS's loopback has 127.0.0.1 alone unless configured. */
const TRAP_HOST = process.platform === 'darwin' ? '127.0.0.1' : '127.0.0.2';
let service: ArtifactService;
let trap: Server;
let trapHits = 0;
let trapUrl: string;
let child: ChildProcess;
let childOutput = '';
let callId = 0;

async function startClientProcess(): Promise<void> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(ACTIONS_|GITHUB_|RUNNER_|INPUT_)/.test(key)));
  const env = {
    ...inherited,
    HTTP_PROXY: trapUrl,
    HTTPS_PROXY: trapUrl,
    ALL_PROXY: trapUrl,
    http_proxy: trapUrl,
    https_proxy: trapUrl,
    ...service.jobEnv({ runId: 1 }, 'client'),
    WG_ARTIFACT_LIB: LIB,
  };
  child = spawn(NODE, ['--input-type=module', '-e', CHILD], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.stdout!.on('data', (chunk: Buffer) => (childOutput += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (childOutput += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the client process exited ${code}:\n${childOutput}`)));
  });
}

async function call<T = any>(env: Record<string, string>, op: string, ...args: unknown[]): Promise<CallResult<T>> {
  const id = ++callId;
  const from = childOutput.length;
  const full = { GITHUB_WORKSPACE: await tempDir('wg-artifact-ws'), ...env };
  return new Promise((resolve, reject) => {
    const onMessage = (message: { id?: number; out?: { ok?: T; error?: CallResult<T>['error'] } }) => {
      if (message.id !== id) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      const stdout = childOutput.slice(from);
      resolve({ ...message.out, stdout });
    };
    const onExit = (code: number | null) => reject(new Error(`the client process exited ${code} during ${op}:\n${childOutput.slice(from)}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ id, env: full, op, args });
  });
}

/** The result, or a failure showing the child's error and output. */
function ok<T>(result: CallResult<T>): T {
  if (result.error) throw new Error(`${result.error.name}: ${result.error.message}\n${result.stdout}`);
  return result.ok as T;
}

const findBy = (runId: number, token = service.githubToken, repository = service.repository) => {
  const [repositoryOwner, repositoryName] = repository.split('/');
  return { token, workflowRunId: runId, repositoryOwner, repositoryName };
};

async function expectSameFiles(dir: string, files: string[]): Promise<void> {
  expect((await readdir(dir)).sort()).toEqual(files.map((f) => basename(f)).sort());
  for (const file of files) expect(await readFile(join(dir, basename(file)))).toEqual(await readFile(file));
}

beforeAll(async () => {
  trap = createServer((_req, res) => {
    trapHits++;
    res.writeHead(502).end('the proxy trap');
  });
  trap.on('connect', (_req, socket) => {
    trapHits++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, TRAP_HOST, resolve));
  trapUrl = `http://${TRAP_HOST}:${(trap.address() as AddressInfo).port}`;
  service = await startArtifactService();
  await startClientProcess();
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
  }
  await service?.stop();
  await new Promise((resolve) => trap?.close(resolve));
  expect(trapHits).toBe(0);
});

describe('artifact service fixture with the real @actions/artifact client', () => {
  it('zipped upload of two wheels: list/get give the digest of the upload, another job of the run downloads both files byte-identical', async () => {
    const run = { runId: 101 };
    const wheels = [SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL];
    const uploaded = ok<{ id: number; size: number; digest: string }>(await call(service.jobEnv(run, 'build'), 'uploadArtifact', 'wheels', wheels, SAMPLES, {}));
    expect(uploaded.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(uploaded.size).toBeGreaterThan(0);
    // The digest is the sha256 of the bytes Azurite holds (the zip), and the service recorded it.
    const blob = await service.blobBytes(run.runId, 'wheels');
    expect(blob.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04'));
    expect(sha256(blob)).toBe(uploaded.digest);
    expect(service.artifacts(run.runId)).toEqual([
      expect.objectContaining({ id: uploaded.id, name: 'wheels', size: blob.length, digest: `sha256:${uploaded.digest}`, mimeType: 'application/zip', job: 'build' }),
    ]);

    const collect = service.jobEnv(run, 'collect');
    const listed = ok<{ artifacts: { id: number; name: string; size: number; digest: string; createdAt: string }[] }>(await call(collect, 'listArtifacts'));
    expect(listed.artifacts).toEqual([{ id: uploaded.id, name: 'wheels', size: uploaded.size, digest: `sha256:${uploaded.digest}`, createdAt: expect.any(String) }]);
    const got = ok<{ artifact: { id: number; digest: string } }>(await call(collect, 'getArtifact', 'wheels'));
    expect(got.artifact).toMatchObject({ id: uploaded.id, name: 'wheels', digest: `sha256:${uploaded.digest}` });

    const into = await tempDir('wg-artifact-dl');
    const downloaded = ok<{ downloadPath: string; digestMismatch: boolean }>(
      await call(collect, 'downloadArtifact', uploaded.id, { path: into, expectedHash: `sha256:${uploaded.digest}` }),
    );
    expect(downloaded).toEqual({ downloadPath: into, digestMismatch: false });
    await expectSameFiles(into, wheels);
    expect(service.downloads(run.runId, 'wheels')).toBe(1);
  });

  it("skipArchive upload of one wheel: the artifact is named after the file, its digest is the wheel's sha256, download gives the wheel under its name", async () => {
    const run = { runId: 102 };
    const env = service.jobEnv(run);
    const name = basename(SAMPLE_WHEEL);
    const uploaded = ok<{ id: number; size: number; digest: string }>(await call(env, 'uploadArtifact', 'ignored-when-skipArchive', [SAMPLE_WHEEL], SAMPLES, { skipArchive: true }));
    expect(uploaded.digest).toBe(await fileSha(SAMPLE_WHEEL));
    expect(uploaded.size).toBe((await readFile(SAMPLE_WHEEL)).length);
    expect(service.artifacts(run.runId)).toEqual([expect.objectContaining({ name, mimeType: 'application/octet-stream', digest: `sha256:${uploaded.digest}` })]);

    const got = ok<{ artifact: { id: number; name: string; digest: string } }>(await call(env, 'getArtifact', name));
    expect(got.artifact).toMatchObject({ id: uploaded.id, name, digest: `sha256:${uploaded.digest}` });
    const into = await tempDir('wg-artifact-dl');
    const downloaded = ok<{ digestMismatch: boolean }>(await call(env, 'downloadArtifact', uploaded.id, { path: into, expectedHash: got.artifact.digest }));
    expect(downloaded.digestMismatch).toBe(false);
    await expectSameFiles(into, [SAMPLE_WHEEL]);
  });

  it('a blob truncated behind the service: download with expectedHash resolves with digestMismatch: true, no throw; a wrong recorded digest likewise', async () => {
    const run = { runId: 103 };
    const env = service.jobEnv(run);
    const uploaded = ok<{ id: number; digest: string }>(await call(env, 'uploadArtifact', 'x', [SAMPLE_WHEEL], SAMPLES, { skipArchive: true }));
    const name = basename(SAMPLE_WHEEL);
    const full = (await readFile(SAMPLE_WHEEL)).length;
    await service.tamperBlob(run.runId, name, (bytes) => bytes.subarray(0, 1000));
    // The service still reports what was finalized.
    expect(service.artifacts(run.runId)[0]).toMatchObject({ size: full, digest: `sha256:${uploaded.digest}` });
    const got = ok<{ artifact: { digest: string; size: number } }>(await call(env, 'getArtifact', name));
    expect(got.artifact).toMatchObject({ digest: `sha256:${uploaded.digest}`, size: full });

    const into = await tempDir('wg-artifact-dl');
    const downloaded = await call<{ digestMismatch: boolean }>(env, 'downloadArtifact', uploaded.id, { path: into, expectedHash: got.artifact.digest });
    expect(ok(downloaded).digestMismatch).toBe(true);
    expect((await readFile(join(into, name))).length).toBe(1000); // the library leaves the short file behind

    // Intact bytes, a recorded digest that is wrong: the same signal.
    const small = ok<{ id: number; digest: string }>(await call(env, 'uploadArtifact', 'x', [SAMPLE_EXAMPLE_WHEEL], SAMPLES, { skipArchive: true }));
    service.setDigest(run.runId, basename(SAMPLE_EXAMPLE_WHEEL), `sha256:${'0'.repeat(64)}`);
    const wrong = ok<{ artifact: { digest: string } }>(await call(env, 'getArtifact', basename(SAMPLE_EXAMPLE_WHEEL)));
    expect(wrong.artifact.digest).toBe(`sha256:${'0'.repeat(64)}`);
    const into2 = await tempDir('wg-artifact-dl');
    expect(ok<{ digestMismatch: boolean }>(await call(env, 'downloadArtifact', small.id, { path: into2, expectedHash: wrong.artifact.digest })).digestMismatch).toBe(true);
    await expectSameFiles(into2, [SAMPLE_EXAMPLE_WHEEL]);
  });

  it("cross-run: a job of another run lists, gets and downloads the first run's artifact through findBy and the REST API; a wrong token is refused", async () => {
    const first = { runId: 201 };
    const uploaded = ok<{ id: number; digest: string }>(await call(service.jobEnv(first), 'uploadArtifact', 'dist', [SAMPLE_WHEEL, SAMPLE_EXAMPLE_WHEEL], SAMPLES, {}));
    const second = service.jobEnv({ runId: 202 }, 'publish');

    // Without findBy a job only sees its own run.
    expect(ok<{ artifacts: unknown[] }>(await call(second, 'listArtifacts')).artifacts).toEqual([]);

    const listed = ok<{ artifacts: { id: number; name: string; digest: string }[] }>(await call(second, 'listArtifacts', { findBy: findBy(first.runId) }));
    expect(listed.artifacts).toEqual([expect.objectContaining({ id: uploaded.id, name: 'dist', digest: `sha256:${uploaded.digest}` })]);
    const got = ok<{ artifact: { id: number; digest: string } }>(await call(second, 'getArtifact', 'dist', { findBy: findBy(first.runId) }));
    expect(got.artifact).toMatchObject({ id: uploaded.id, digest: `sha256:${uploaded.digest}` });
    const into = await tempDir('wg-artifact-dl');
    const downloaded = ok<{ digestMismatch: boolean }>(
      await call(second, 'downloadArtifact', uploaded.id, { path: into, expectedHash: got.artifact.digest, findBy: findBy(first.runId) }),
    );
    expect(downloaded.digestMismatch).toBe(false);
    await expectSameFiles(into, [SAMPLE_WHEEL, SAMPLE_EXAMPLE_WHEEL]);
    expect(service.log).toContain(`GET /repos/${service.repository}/actions/artifacts/${uploaded.id}/zip 302`);
    expect(service.downloads(first.runId, 'dist')).toBe(1);

    // A wrong token: 401 from the API, surfaced as octokit's HttpError.
    const refused = await call(second, 'listArtifacts', { findBy: findBy(first.runId, 'ghs_wrong') });
    expect(refused.error).toMatchObject({ name: 'HttpError', status: 401, message: expect.stringContaining('Bad credentials') });
    const refusedDownload = await call(second, 'downloadArtifact', uploaded.id, { path: into, findBy: findBy(first.runId, 'ghs_wrong') });
    expect(refusedDownload.error).toMatchObject({ name: 'HttpError', status: 401 });
    // Another repository, or a run that does not exist: 404.
    expect((await call(second, 'getArtifact', 'dist', { findBy: findBy(first.runId, service.githubToken, 'someone/else') })).error).toMatchObject({ name: 'HttpError', status: 404 });
    expect((await call(second, 'listArtifacts', { findBy: findBy(999_999) })).error).toMatchObject({ name: 'HttpError', status: 404 });
    // An unknown name in a known run: the library's own ArtifactNotFoundError.
    expect((await call(second, 'getArtifact', 'nope', { findBy: findBy(first.runId) })).error).toMatchObject({ name: 'ArtifactNotFoundError' });
  });

  it('deleteArtifact removes the artifact and its blob: list no longer has it, get and download by id fail with ArtifactNotFoundError', async () => {
    const run = { runId: 301 };
    const env = service.jobEnv(run);
    const uploaded = ok<{ id: number }>(await call(env, 'uploadArtifact', 'doomed', [SAMPLE_SMALL_WHEEL], SAMPLES, {}));
    const kept = ok<{ id: number }>(await call(env, 'uploadArtifact', 'kept', [SAMPLE_SMALL_WHEEL], SAMPLES, {}));
    expect(ok<{ id: number }>(await call(env, 'deleteArtifact', 'doomed'))).toEqual({ id: uploaded.id });
    expect(service.artifacts(run.runId).map((a) => a.name)).toEqual(['kept']);
    expect(ok<{ artifacts: { id: number }[] }>(await call(env, 'listArtifacts')).artifacts.map((a) => a.id)).toEqual([kept.id]);
    expect((await call(env, 'getArtifact', 'doomed')).error).toMatchObject({ name: 'ArtifactNotFoundError' });
    const gone = await call(env, 'downloadArtifact', uploaded.id, { path: await tempDir('wg-artifact-dl') });
    expect(gone.error).toMatchObject({ name: 'ArtifactNotFoundError', message: expect.stringContaining(`No artifacts found for ID: ${uploaded.id}`) });
    expect((await call(env, 'deleteArtifact', 'doomed')).error).toMatchObject({ name: 'ArtifactNotFoundError' });

    // Through the REST API from another run.
    expect(ok<{ id: number }>(await call(service.jobEnv({ runId: 302 }), 'deleteArtifact', 'kept', { findBy: findBy(run.runId) }))).toEqual({ id: kept.id });
    expect(service.artifacts(run.runId)).toEqual([]);
  });

  it('a second artifact of the same name in one run is refused with 409 already_exists; another run may use the name', async () => {
    const run = { runId: 401 };
    ok(await call(service.jobEnv(run, 'linux'), 'uploadArtifact', 'wheels', [SAMPLE_SMALL_WHEEL], SAMPLES, {}));
    const again = await call(service.jobEnv(run, 'macos'), 'uploadArtifact', 'wheels', [SAMPLE_EXAMPLE_WHEEL], SAMPLES, {});
    expect(again.error).toEqual({
      name: 'Error',
      message: 'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run',
    });
    expect(service.artifacts(run.runId)).toEqual([expect.objectContaining({ name: 'wheels', job: 'linux' })]);
    expect(service.log).toContain('twirp CreateArtifact 409');
    ok(await call(service.jobEnv({ runId: 402 }), 'uploadArtifact', 'wheels', [SAMPLE_EXAMPLE_WHEEL], SAMPLES, {}));
  });

  it('routeBlobsThrough: signed URLs lead through a proxy; a byte flipped on the upload is stored, only the digest check sees it', async () => {
    const run = { runId: 601 };
    const env = service.jobEnv(run);
    const name = basename(SAMPLE_WHEEL);
    const proxy = await startProxy(new URL(service.azuriteBlobEndpoint).origin, (req) =>
      req.method === 'PUT' && /[?&]comp=block(&|$)/.test(req.url ?? '') ? { flipRequestByte: 5000 } : undefined,
    );
    try {
      service.routeBlobsThrough(proxy.endpoint);
      const uploaded = ok<{ id: number; digest: string }>(await call(env, 'uploadArtifact', 'x', [SAMPLE_WHEEL], SAMPLES, { skipArchive: true }));
      expect(uploaded.digest).toBe(await fileSha(SAMPLE_WHEEL)); // what the client sent
      const stored = await service.blobBytes(run.runId, name);
      expect(sha256(stored)).not.toBe(uploaded.digest);
      const into = await tempDir('wg-artifact-dl');
      const downloaded = ok<{ digestMismatch: boolean }>(await call(env, 'downloadArtifact', uploaded.id, { path: into, expectedHash: `sha256:${uploaded.digest}` }));
      expect(downloaded.digestMismatch).toBe(true);
      expect(await readFile(join(into, name))).toEqual(stored);
      expect(proxy.log.filter((line) => line.startsWith('PUT'))).toHaveLength(2); // the block, the block list
      expect(proxy.log.filter((line) => line.startsWith('GET'))).toHaveLength(1);
    } finally {
      service.routeBlobsThrough(undefined);
      await proxy.stop();
    }
  });

  it('putArtifact stores crafted bytes as a finalized zip artifact: listed with their digest, downloaded as they are, counted; setDigest("") records none', async () => {
    const run = { runId: 701 };
    const env = service.jobEnv(run, 'collect');
    // A real zip, made by another upload and fetched back raw.
    ok(await call(service.jobEnv({ runId: 702 }), 'uploadArtifact', 'source', [SAMPLE_SMALL_WHEEL], SAMPLES, {}));
    const bytes = await service.blobBytes(702, 'source');
    const put = await service.putArtifact(run, 'crafted', bytes);
    expect(put).toMatchObject({ name: 'crafted', size: bytes.length, digest: `sha256:${sha256(bytes)}`, mimeType: 'application/zip' });
    const listed = ok<{ artifacts: { id: number; name: string; digest?: string }[] }>(await call(env, 'listArtifacts'));
    expect(listed.artifacts).toEqual([expect.objectContaining({ id: put.id, name: 'crafted', digest: `sha256:${sha256(bytes)}` })]);
    expect(service.downloads(run.runId, 'crafted')).toBe(0);
    const into = await tempDir('wg-artifact-dl');
    const raw = ok<{ digestMismatch: boolean }>(await call(env, 'downloadArtifact', put.id, { path: into, skipDecompress: true, expectedHash: put.digest }));
    expect(raw.digestMismatch).toBe(false);
    expect(await readFile(join(into, 'crafted.zip'))).toEqual(bytes);
    const unzipped = await tempDir('wg-artifact-dl');
    ok(await call(env, 'downloadArtifact', put.id, { path: unzipped }));
    await expectSameFiles(unzipped, [SAMPLE_SMALL_WHEEL]);
    expect(service.downloads(run.runId, 'crafted')).toBe(2);

    service.setDigest(run.runId, 'crafted', '');
    const bare = ok<{ artifacts: { digest?: string }[] }>(await call(env, 'listArtifacts'));
    expect(bare.artifacts[0]!.digest).toBeUndefined();
  });

  it('the results API refuses a runtime token it did not sign (twirp unauthenticated, 401, not retried)', async () => {
    const env = service.jobEnv({ runId: 501 });
    const forged = { ...env, ACTIONS_RUNTIME_TOKEN: `${env.ACTIONS_RUNTIME_TOKEN!.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}` };
    const refused = await call(forged, 'listArtifacts');
    expect(refused.error).toEqual({ name: 'Error', message: 'Failed to ListArtifacts: Received non-retryable error: Failed request: (401) Unauthorized: invalid token' });
  });
});
