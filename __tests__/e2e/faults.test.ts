/**
 * Surviving a flaky network: the committed bundles against s3rver and
 * Azurite through a fault-injecting TCP proxy (helpers/fault-proxy.ts).
 * Faults come from a seeded generator: a failure prints its seed, and
 * WG_FAULT_SEED replays it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Azurite, AZURITE_ACCOUNT, startAzurite } from '../helpers/azurite.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { type S3Server, startS3rver } from '../helpers/s3rver.js';
import { lacks, PYTHON } from '../helpers/tools.js';
import { azuriteContainer, azuriteEnv } from './fixtures.js';
import { names, NODE, problems, ROOT, runAction, WHEELS, workspace } from './harness.js';

const SEED = Number(process.env.WG_FAULT_SEED ?? 20261128);
const BIG = 'flaky_pkg-1.0.0-py3-none-any.whl';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let server: S3Server;
let azurite: Azurite;
beforeAll(async () => {
  [server, azurite] = await Promise.all([startS3rver(['wheels']), startAzurite()]);
  await azuriteContainer(azurite, 'wheels');
});
afterAll(async () => {
  await Promise.all([server.stop(), azurite.stop()]);
});

/** A store the scenarios run against: its container URL for a prefix, where it listens, and the credentials the bundles need. */
interface Store {
  kind: string;
  container(prefix: string): string;
  endpoint(): string;
  env(): Record<string, string>;
}

const STORES: Store[] = [
  { kind: 's3 (s3rver)', container: (prefix) => `s3://wheels/${prefix}`, endpoint: () => server.endpoint, env: () => server.env },
  { kind: 'azure (Azurite)', container: (prefix) => `azure://${AZURITE_ACCOUNT}/wheels/${prefix}`, endpoint: () => azurite.origin, env: azuriteEnv },
];

/** A workspace whose wheelhouse holds the samples and a 3 MB generated wheel, parked in the store under `prefix`. */
async function parked(store: Store, prefix: string): Promise<string> {
  const ws = await workspace();
  execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'flaky-pkg', '1.0.0', String(3_000_000)]);
  const run = await runAction('post-build', { container: store.container(prefix), endpoint: store.endpoint() }, ws, store.env());
  expect(run.errors).toEqual([]);
  return ws;
}

const ALL = [...WHEELS, BIG].sort();

describe.each(STORES)(`flaky network, $kind (seed ${SEED})`, (store) => {
  it.skipIf(lacks('python'))('(a) 30% of connections faulted at random: every wheel collected and verified', async () => {
    const ws = await parked(store, 'a');
    const proxy = await startFaultProxy(store.endpoint(), { rate: 0.3, stallMs: 30_000 }, SEED);
    try {
      const run = await runAction('collect', { container: store.container('a'), endpoint: proxy.endpoint, retries: '10', timeout: '2' }, ws, store.env());
      expect(run.errors, `seed ${SEED}: ${JSON.stringify(proxy.connections)}`).toEqual([]);
      expect(run.code, `seed ${SEED}: ${run.stdout}${run.stderr}`).toBe(0);
      expect(await names(join(ws, 'dist'))).toEqual(ALL);
      for (const wheel of ALL) expect(sha256(await readFile(join(ws, 'dist', wheel)))).toBe(sha256(await readFile(join(ws, 'wheelhouse', wheel))));
      expect(proxy.faultsInjected()).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
  });

  it.skipIf(lacks('python'))('(a2) 30% of connections faulted while post-build uploads: every pair lands whole, and collects', async () => {
    const ws = await workspace();
    execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'flaky-pkg', '1.0.0', String(3_000_000)]);
    const proxy = await startFaultProxy(store.endpoint(), { rate: 0.3, stallMs: 30_000 }, SEED + 1);
    try {
      const up = await runAction('post-build', { container: store.container('a2'), endpoint: proxy.endpoint, retries: '10', timeout: '2' }, ws, store.env());
      expect(up.errors, `seed ${SEED + 1}: ${JSON.stringify(proxy.connections)}`).toEqual([]);
      expect(up.code, `seed ${SEED + 1}: ${up.stdout}${up.stderr}`).toBe(0);
      expect(proxy.faultsInjected()).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
    const down = await runAction('collect', { container: store.container('a2'), endpoint: store.endpoint() }, ws, store.env());
    expect(down.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(ALL);
  });

  it.skipIf(lacks('python'))('(b) a wheel corrupted in transit every time: a clear failure naming it, nothing left in path', async () => {
    const ws = await parked(store, 'b');
    const proxy = await startFaultProxy(store.endpoint(), { rate: 1, kinds: ['flip'], only: /^GET \S*flaky_pkg\S*\.whl[ ?]/ }, SEED);
    try {
      const run = await runAction('collect', { container: store.container('b'), endpoint: proxy.endpoint, retries: '2', timeout: '2' }, ws, store.env());
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${BIG.replace(/\./g, '\\.')}: sha256 mismatch`))]);
      expect(proxy.connections.filter((c) => c.fault === 'flip')).toHaveLength(3);
      expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    } finally {
      await proxy.stop();
    }
  });

  it.skipIf(lacks('python'))('(c) collect killed with SIGKILL mid-transfer, then run again: it completes, and no partial file was ever visible under a wheel name', async () => {
    const ws = await parked(store, 'c');
    const proxy = await startFaultProxy(store.endpoint(), { rate: 1, kinds: ['stall'], stallMs: 60_000, only: /^GET \S*flaky_pkg\S*\.whl[ ?]/ }, SEED);
    const seen = new Set<string>();
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, ...store.env(), INPUT_CONTAINER: store.container('c'), INPUT_ENDPOINT: proxy.endpoint, INPUT_TIMEOUT: '60' };
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
    const again = await runAction('collect', { container: store.container('c'), endpoint: store.endpoint() }, ws, store.env());
    expect(again.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(ALL);
  });

  it('(d) three post-build processes uploading to the same container at once: every pair intact', async () => {
    const jobs = await Promise.all([0, 1, 2].map(() => workspace()));
    const inputs = { container: store.container('d'), endpoint: store.endpoint() };
    const runs = await Promise.all(jobs.map((ws) => runAction('post-build', inputs, ws, store.env())));
    for (const run of runs) expect(run.errors).toEqual([]);
    const ws = await workspace();
    const collected = await runAction('collect', inputs, ws, store.env());
    expect(collected.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
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
        const run = await runAction(entry, { container: store.container('e'), endpoint: `http://127.0.0.1:${port}`, retries: '1', timeout: '1' }, ws, store.env());
        expect(run.code).toBe(1);
        expect(run.errors).toEqual([expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port}.*(did not answer|timed out|cannot reach)`))]);
      }
      // A liveness bound, not a performance figure: retries × timeout plus start-up, not minutes.
      expect((Date.now() - started) / 1000).toBeLessThan(90);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});


describe('a shared directory', () => {
  it('(d) three post-build processes writing to the same directory at once: every pair intact', async () => {
    const jobs = await Promise.all([0, 1, 2].map(() => workspace()));
    const inputs = { container: join(jobs[0]!, 'shared') };
    const runs = await Promise.all(jobs.map((ws) => runAction('post-build', inputs, ws)));
    for (const run of runs) expect(run.errors).toEqual([]);
    const ws = await workspace();
    const collected = await runAction('collect', inputs, ws);
    expect(collected.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });
});
