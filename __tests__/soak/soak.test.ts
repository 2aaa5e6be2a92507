/**
 * The reliability soak (`npm run soak`): the fault scenarios many times over,
 * each run with its own seed, through the fault proxy, against s3rver (s3://),
 * against Debian's nginx serving the same wheels as a directory listing
 * with sidecars (https://, plain http on loopback), and against Azurite, the
 * Azure Blob Storage emulator (azure://). Writes .soak/results.json;
 * scripts/soak-report.mjs turns it into docs/reliability.md.
 * WG_SOAK_RUNS sets the runs per scenario (default 20). WG_SOAK_SEEDS=5010,5011
 * replays those runs alone (a scenario's seeds are its base + 0, 1, …; the
 * report names each failing one): run vitest directly for a replay, not
 * `npm run soak`, whose report would be written from it.
 * Without Python (make-wheel.py makes its wheels) the soak is skipped, and
 * without nginx its https:// scenarios, unless WG_ALL_TOOLS=1.
 */
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Azurite, AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../helpers/azurite.js';
import { type FaultPlan, startFaultProxy } from '../helpers/fault-proxy.js';
import { type Nginx, startNginx } from '../helpers/nginx.js';
import { type S3Server, startS3rver } from '../helpers/s3rver.js';
import { lacks, PYTHON } from '../helpers/tools.js';
import { ROOT, runAction, workspace } from '../e2e/harness.js';

const RUNS = Number(process.env.WG_SOAK_RUNS ?? 20);
const REPLAY = process.env.WG_SOAK_SEEDS?.split(',').map(Number).filter(Number.isInteger);
/** A scenario's seeds: base, base + 1, … (`runs` of them); under WG_SOAK_SEEDS, those of its range (base to base + 999) only. */
const seeds = (base: number, runs: number): number[] =>
  REPLAY ? REPLAY.filter((seed) => seed >= base && seed < base + 1000) : Array.from({ length: runs }, (_, i) => base + i);
const AZURE_CONTAINER = `azure://${AZURITE_ACCOUNT}/wheels/soak`;
/** The bundles reach Azurite with its published account key. */
const AZURE_ENV = { AZURE_STORAGE_KEY: AZURITE_KEY };
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
/** Every scenario needs the wheels make-wheel.py makes; the https:// ones nginx too. */
const NO_WHEELS = lacks('python');
const NO_WEB = lacks('python', 'nginx');

interface RunRecord {
  scenario: string;
  /** The container kind: s3:// (s3rver), https:// (nginx) or azure:// (Azurite). */
  container: 's3' | 'https' | 'azure';
  seed: number;
  faults: number;
  connections: number;
  exit: number | null;
  ok: boolean;
  seconds: number;
  payloadBytes: number;
  bytesToClient: number;
  lost: number;
  broken: number;
}

const records: RunRecord[] = [];
let server: S3Server;
let web: Nginx;
let azurite: Azurite;
let ws: string;
let payload = 0;
let wheels: string[] = [];
/** sha256 of the collect bundle when the soak started, and at its end: the report names what was run (dist/ may be rebuilt meanwhile). */
const bundle = async (): Promise<string> => sha256(await readFile(join(ROOT, 'dist/collect/index.js')));
let bundleAtStart = '';
/** The commit when the soak started, and whether src/ or dist/ differed from it (undefined outside a git checkout). */
function source(): { commit: string; dirty: boolean } | undefined {
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--', 'dist', 'src') !== '' };
  } catch {
    return undefined;
  }
}
let sourceAtStart: ReturnType<typeof source>;

beforeAll(async () => {
  bundleAtStart = await bundle();
  sourceAtStart = source();
  server = await startS3rver(['wheels']);
  ws = await workspace();
  // Four real sample wheels plus four generated wheels of 1–4 MB: about 10 MB of payload.
  for (let i = 1; i <= 4; i++) {
    execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), `soak-pkg${i}`, '1.0.0', String(i * 1_000_000), String(i)]);
  }
  const up = await runAction('post-build', { container: 's3://wheels/soak', endpoint: server.endpoint }, ws, server.env);
  expect(up.errors).toEqual([]);
  // The same pairs parked in a directory that nginx lists (autoindex): the https:// container's wheelhouse.
  const parked = await runAction('post-build', { container: join(ws, 'site', 'soak') }, ws);
  expect(parked.errors).toEqual([]);
  if (!lacks('nginx')) web = await startNginx({ root: join(ws, 'site') });
  // And once more in Azurite, in a blob container created first (post-build does not create one).
  azurite = await startAzurite();
  await new ContainerClient(`${azurite.blobEndpoint}/wheels`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).createIfNotExists();
  const blob = await runAction('post-build', { container: AZURE_CONTAINER, endpoint: azurite.origin }, ws, AZURE_ENV);
  expect(blob.errors).toEqual([]);
  wheels = (await readdir(join(ws, 'wheelhouse'))).filter((n) => n.endsWith('.whl')).sort();
  for (const wheel of wheels) payload += (await readFile(join(ws, 'wheelhouse', wheel))).length;
}, 120_000);

afterAll(async () => {
  await mkdir(join(ROOT, '.soak'), { recursive: true });
  const bundles = { start: bundleAtStart, end: await bundle() };
  await writeFile(join(ROOT, '.soak/results.json'), JSON.stringify({ node: process.version, runs: RUNS, ...(REPLAY ? { replay: REPLAY } : {}), source: sourceAtStart, payload, wheels: wheels.length, bundles, records }, null, 2));
  await server.stop();
  await web?.stop();
  await azurite?.stop();
});

/** What a run left in its dist: wheels missing, and files there that are not exactly the wheel. */
async function audit(dist: string): Promise<{ lost: number; broken: number }> {
  const present = await readdir(dist).catch(() => [] as string[]);
  let broken = 0;
  for (const name of present) {
    const original = await readFile(join(ws, 'wheelhouse', name)).catch(() => undefined);
    if (!original || sha256(await readFile(join(dist, name))) !== sha256(original)) broken++;
  }
  return { lost: wheels.filter((w) => !present.includes(w)).length, broken };
}

async function scenario(
  name: string,
  plan: FaultPlan,
  seed: number,
  inputs: Record<string, string>,
  expectOk: boolean,
  container: RunRecord['container'] = 's3',
): Promise<void> {
  const upstream = { s3: () => server.endpoint, https: () => web.endpoint, azure: () => azurite.origin }[container]();
  const proxy = await startFaultProxy(upstream, plan, seed);
  const dist = `dist-${container}-${name}-${seed}`;
  const started = Date.now();
  try {
    const where: Record<string, string> = {
      s3: { container: 's3://wheels/soak', endpoint: proxy.endpoint },
      https: { container: `${proxy.endpoint}/soak/` },
      azure: { container: AZURE_CONTAINER, endpoint: proxy.endpoint },
    }[container];
    const env = { s3: server.env, https: {}, azure: AZURE_ENV }[container];
    const run = await runAction('collect', { ...where, path: dist, sha256sums: `${dist}.sums`, ...inputs }, ws, env);
    const { lost, broken } = await audit(join(ws, dist));
    records.push({
      scenario: name,
      container,
      seed,
      faults: proxy.faultsInjected(),
      connections: proxy.connections.length,
      exit: run.code,
      ok: expectOk ? run.code === 0 && lost === 0 : run.code === 1,
      seconds: (Date.now() - started) / 1000,
      payloadBytes: payload,
      bytesToClient: proxy.bytesToClient,
      lost: expectOk ? lost : 0,
      broken,
    });
  } finally {
    await proxy.stop();
  }
}

it.skipIf(NO_WHEELS)(`30% of connections faulted: ${RUNS} runs`, async () => {
  for (const seed of seeds(1000, RUNS)) await scenario('random-30%', { rate: 0.3, stallMs: 30_000 }, seed, { retries: '10', timeout: '2' }, true);
}, 3_600_000);

it.skipIf(NO_WHEELS)(`a wheel corrupted in transit every time: ${RUNS} runs`, async () => {
  for (const seed of seeds(2000, RUNS)) {
    await scenario('persistent-corruption', { rate: 1, kinds: ['flip'], only: /^GET \S*soak_pkg2\S*\.whl[ ?]/ }, seed, { retries: '2', timeout: '2' }, false);
  }
}, 3_600_000);

/** Runs collect against a port that accepts connections and never answers, `runs` times (no proxy, no seed: none in a replay). */
async function silentEndpoint(container: 's3' | 'azure', runs: number): Promise<void> {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    for (let i = 0; i < runs; i++) {
      const dist = container === 's3' ? `dist-silent-${i}` : `dist-${container}-silent-${i}`;
      const started = Date.now();
      const where = container === 's3' ? 's3://wheels/soak' : AZURE_CONTAINER;
      const run = await runAction('collect', { container: where, endpoint: `http://127.0.0.1:${port}`, path: dist, retries: '1', timeout: '2' }, ws, container === 's3' ? server.env : AZURE_ENV);
      const { broken } = await audit(join(ws, dist));
      records.push({ scenario: 'silent-endpoint', container, seed: 0, faults: 1, connections: sockets.length, exit: run.code, ok: run.code === 1, seconds: (Date.now() - started) / 1000, payloadBytes: payload, bytesToClient: 0, lost: 0, broken });
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
}

it.skipIf(NO_WHEELS)(`an endpoint that never answers: ${Math.min(RUNS, 5)} runs`, async () => {
  await silentEndpoint('s3', REPLAY ? 0 : Math.min(RUNS, 5));
}, 3_600_000);

it.skipIf(NO_WEB)(`https:// (nginx autoindex, sidecars): 30% of requests faulted: ${RUNS} runs`, async () => {
  for (const seed of seeds(3000, RUNS)) await scenario('random-30%', { rate: 0.3, stallMs: 30_000 }, seed, { retries: '10', timeout: '2' }, true, 'https');
  expectEveryRun('https', 'random-30%');
}, 3_600_000);

it.skipIf(NO_WEB)(`https:// (nginx autoindex, sidecars): a wheel corrupted in transit every time: ${Math.min(RUNS, 5)} runs`, async () => {
  for (const seed of seeds(4000, Math.min(RUNS, 5))) {
    await scenario('persistent-corruption', { rate: 1, kinds: ['flip'], only: /^GET \S*soak_pkg2\S*\.whl / }, seed, { retries: '2', timeout: '2' }, false, 'https');
  }
  expectEveryRun('https', 'persistent-corruption');
}, 3_600_000);

it.skipIf(NO_WHEELS)(`azure:// (Azurite): 30% of requests faulted: ${RUNS} runs`, async () => {
  for (const seed of seeds(5000, RUNS)) await scenario('random-30%', { rate: 0.3, stallMs: 30_000 }, seed, { retries: '10', timeout: '2' }, true, 'azure');
  expectEveryRun('azure', 'random-30%');
}, 3_600_000);

it.skipIf(NO_WHEELS)(`azure:// (Azurite): a wheel corrupted in transit every time: ${RUNS} runs`, async () => {
  for (const seed of seeds(6000, RUNS)) {
    // Get Blob with the account key carries no query; with a SAS it would (hence [ ?]). The sidecar (….whl.sha256) is spared.
    await scenario('persistent-corruption', { rate: 1, kinds: ['flip'], only: /^GET \S*soak_pkg2\S*\.whl[ ?]/ }, seed, { retries: '2', timeout: '2' }, false, 'azure');
  }
  expectEveryRun('azure', 'persistent-corruption');
}, 3_600_000);

it.skipIf(NO_WHEELS)(`azure:// (Azurite): an endpoint that never answers: ${Math.min(RUNS, 5)} runs`, async () => {
  await silentEndpoint('azure', REPLAY ? 0 : Math.min(RUNS, 5));
  expectEveryRun('azure', 'silent-endpoint');
}, 3_600_000);

/** Every run of a scenario had its expected outcome, and none left a broken file in path or lost a wheel (seeds named on failure). */
function expectEveryRun(container: RunRecord['container'], name: string): void {
  const runs = records.filter((r) => r.container === container && r.scenario === name);
  if (REPLAY && runs.length === 0) return; // none of the seeds replayed is this scenario's
  expect(runs.length).toBeGreaterThan(0);
  expect(runs.filter((r) => !r.ok || r.broken > 0 || r.lost > 0).map((r) => `seed ${r.seed}: exit ${r.exit}, lost ${r.lost}, broken ${r.broken}`)).toEqual([]);
}
