/**
 * Surviving a flaky network: the committed bundles against s3rver through a
 * fault-injecting TCP proxy (helpers/fault-proxy.ts). Faults come from a
 * seeded generator: a failure prints its seed, and WG_FAULT_SEED replays it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { type S3Server, startS3rver } from '../helpers/s3rver.js';
import { names, NODE, problems, ROOT, runAction, WHEELS, workspace } from './harness.js';
import { type Azurite, AZURITE_ACCOUNT, startAzurite } from '../helpers/azurite.js';
import { azuriteContainer, azuriteEnv } from './fixtures.js';
import { execFileSync } from 'node:child_process';

const SEED = Number(process.env.WG_FAULT_SEED ?? 20261128);
const BIG = 'flaky_pkg-1.0.0-py3-none-any.whl';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let server: S3Server;
beforeAll(async () => {
  server = await startS3rver(['wheels']);
});
afterAll(async () => {
  await server.stop();
});

/** A workspace whose wheelhouse holds the samples and a 3 MB generated wheel, parked in s3://wheels/<prefix>. */
async function parked(prefix: string): Promise<string> {
  const ws = await workspace();
  execFileSync('python3', [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'flaky-pkg', '1.0.0', String(3_000_000)]);
  const run = await runAction('post-build', { container: `s3://wheels/${prefix}`, endpoint: server.endpoint }, ws, server.env);
  expect(run.errors).toEqual([]);
  return ws;
}

const ALL = [...WHEELS, BIG].sort();

describe(`flaky network (seed ${SEED})`, () => {
  it('(a) 30% of connections faulted at random: every wheel collected and verified', async () => {
    const ws = await parked('a');
    const proxy = await startFaultProxy(server.endpoint, { rate: 0.3, stallMs: 30_000 }, SEED);
    try {
      const run = await runAction(
        'collect',
        { container: 's3://wheels/a', endpoint: proxy.endpoint, retries: '10', timeout: '2' },
        ws,
        server.env,
      );
      expect(run.errors, `seed ${SEED}: ${JSON.stringify(proxy.connections)}`).toEqual([]);
      expect(await names(join(ws, 'dist'))).toEqual(ALL);
      for (const wheel of ALL) expect(sha256(await readFile(join(ws, 'dist', wheel)))).toBe(sha256(await readFile(join(ws, 'wheelhouse', wheel))));
      expect(proxy.faultsInjected()).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
  });

  it('(b) a wheel corrupted in transit every time: a clear failure naming it, nothing left in path', async () => {
    const ws = await parked('b');
    const proxy = await startFaultProxy(server.endpoint, { rate: 1, kinds: ['flip'], only: /^GET \S*flaky_pkg\S*\.whl[ ?]/ }, SEED);
    try {
      const run = await runAction('collect', { container: 's3://wheels/b', endpoint: proxy.endpoint, retries: '2', timeout: '2' }, ws, server.env);
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${BIG.replace(/\./g, '\\.')}: sha256 mismatch`))]);
      expect(proxy.connections.filter((c) => c.fault === 'flip')).toHaveLength(3);
      expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    } finally {
      await proxy.stop();
    }
  });

  it('(c) collect killed with SIGKILL mid-transfer, then run again: it completes, and no partial file was ever visible under a wheel name', async () => {
    const ws = await parked('c');
    const proxy = await startFaultProxy(server.endpoint, { rate: 1, kinds: ['stall'], stallMs: 60_000, only: /^GET \S*flaky_pkg\S*\.whl[ ?]/ }, SEED);
    const seen = new Set<string>();
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, ...server.env, INPUT_CONTAINER: 's3://wheels/c', INPUT_ENDPOINT: proxy.endpoint, INPUT_TIMEOUT: '60' };
      for (const key of Object.keys(env)) if (key.startsWith('GITHUB_')) delete env[key];
      const child = spawn(NODE, [join(ROOT, 'dist/collect/index.js')], { cwd: ws, env, stdio: 'ignore' });
      await mkdir(join(ws, 'dist'), { recursive: true });
      // Watch dist/ until the big wheel's transfer is under way (its temporary file exists).
      for (let i = 0; i < 200 && ![...seen].some((n) => n.startsWith(`.${BIG}`)); i++) {
        for (const name of await readdir(join(ws, 'dist'))) seen.add(name);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect([...seen].some((n) => n.startsWith(`.${BIG}.wg-`))).toBe(true);
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      for (const name of await readdir(join(ws, 'dist'))) seen.add(name);
      expect([...seen]).not.toContain(BIG);
    } finally {
      await proxy.stop();
    }
    const again = await runAction('collect', { container: 's3://wheels/c', endpoint: server.endpoint }, ws, server.env);
    expect(again.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(ALL);
  });

  it('(d) three post-build processes uploading to the same container at once: every pair intact', async () => {
    const jobs = await Promise.all([0, 1, 2].map(() => workspace()));
    for (const kind of ['s3', 'local'] as const) {
      const container = kind === 's3' ? 's3://wheels/d' : join(jobs[0]!, 'shared');
      const inputs = { container, ...(kind === 's3' ? { endpoint: server.endpoint } : {}) };
      const runs = await Promise.all(jobs.map((ws) => runAction('post-build', inputs, ws, server.env)));
      for (const run of runs) expect(run.errors).toEqual([]);
      const ws = await workspace();
      const collected = await runAction('collect', { ...inputs, path: `dist-${kind}` }, ws, server.env);
      expect(collected.errors).toEqual([]);
      expect(await names(join(ws, `dist-${kind}`))).toEqual(WHEELS);
    }
  });

  it('(e) an endpoint that accepts connections and never answers: failure within the bound, naming it', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const ws = await workspace();
      const started = Date.now();
      const run = await runAction('collect', { container: 's3://wheels/e', endpoint: `http://127.0.0.1:${port}`, retries: '1', timeout: '1' }, ws, server.env);
      const seconds = (Date.now() - started) / 1000;
      expect(run.code).toBe(1);
      expect(run.errors).toEqual([expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port}.*(did not answer|timed out|cannot reach)`))]);
      // A liveness bound, not a performance figure: retries × timeout plus start-up, not minutes.
      expect(seconds).toBeLessThan(60);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});


describe(`flaky network, Azure Blob (Azurite; seed ${SEED})`, () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
    await azuriteContainer(azurite, 'wheels');
  });
  afterAll(async () => {
    await azurite.stop();
  });
  const container = (prefix: string): string => `azure://${AZURITE_ACCOUNT}/wheels/${prefix}`;

  /** A workspace whose wheelhouse holds the samples and a 3 MB generated wheel, parked in Azurite under `prefix`. */
  async function parkedInAzure(prefix: string): Promise<string> {
    const ws = await workspace();
    execFileSync('python3', [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'flaky-pkg', '1.0.0', String(3_000_000)]);
    const run = await runAction('post-build', { container: container(prefix), endpoint: azurite.origin }, ws, azuriteEnv());
    expect(run.errors).toEqual([]);
    return ws;
  }

  it('(a) 30% of connections faulted at random: every wheel collected and verified', async () => {
    const ws = await parkedInAzure('a');
    const proxy = await startFaultProxy(azurite.origin, { rate: 0.3, stallMs: 30_000 }, SEED);
    try {
      const run = await runAction('collect', { container: container('a'), endpoint: proxy.endpoint, retries: '10', timeout: '2' }, ws, azuriteEnv());
      expect(run.errors, `seed ${SEED}: ${JSON.stringify(proxy.connections)}`).toEqual([]);
      expect(run.code, `seed ${SEED}: ${run.stdout}${run.stderr}`).toBe(0);
      expect(await names(join(ws, 'dist'))).toEqual(ALL);
      for (const wheel of ALL) expect(sha256(await readFile(join(ws, 'dist', wheel)))).toBe(sha256(await readFile(join(ws, 'wheelhouse', wheel))));
      expect(proxy.faultsInjected()).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
  });

  it('(a2) 30% of connections faulted while post-build uploads: every pair lands whole, and collects', async () => {
    const ws = await workspace();
    execFileSync('python3', [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'flaky-pkg', '1.0.0', String(3_000_000)]);
    const proxy = await startFaultProxy(azurite.origin, { rate: 0.3, stallMs: 30_000 }, SEED + 1);
    try {
      const up = await runAction('post-build', { container: container('a2'), endpoint: proxy.endpoint, retries: '10', timeout: '2' }, ws, azuriteEnv());
      expect(up.errors, `seed ${SEED + 1}: ${JSON.stringify(proxy.connections)}`).toEqual([]);
      expect(up.code, `seed ${SEED + 1}: ${up.stdout}${up.stderr}`).toBe(0);
      expect(proxy.faultsInjected()).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
    const down = await runAction('collect', { container: container('a2'), endpoint: azurite.origin }, ws, azuriteEnv());
    expect(down.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(ALL);
  });

  it('(b) a wheel corrupted in transit every time: a clear failure naming it, nothing left in path', async () => {
    const ws = await parkedInAzure('b');
    const proxy = await startFaultProxy(azurite.origin, { rate: 1, kinds: ['flip'], only: /^GET \S*flaky_pkg\S*\.whl[ ?]/ }, SEED);
    try {
      const run = await runAction('collect', { container: container('b'), endpoint: proxy.endpoint, retries: '2', timeout: '2' }, ws, azuriteEnv());
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${BIG.replace(/\./g, '\\.')}: sha256 mismatch`))]);
      expect(proxy.connections.filter((c) => c.fault === 'flip')).toHaveLength(3);
      expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    } finally {
      await proxy.stop();
    }
  });

  it('(e) an endpoint that accepts connections and never answers: failure within the bound, naming it', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const ws = await workspace();
      const started = Date.now();
      for (const entry of ['collect', 'post-build'] as const) {
        const run = await runAction(entry, { container: container('e'), endpoint: `http://127.0.0.1:${port}`, retries: '1', timeout: '1' }, ws, azuriteEnv());
        expect(run.code).toBe(1);
        expect(run.errors[0]).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*did not answer within 1 s`));
      }
      // A liveness bound, not a performance figure: retries × timeout plus start-up, not minutes.
      expect((Date.now() - started) / 1000).toBeLessThan(90);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
