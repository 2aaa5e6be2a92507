#!/usr/bin/env node
/**
 * `npm run bench`: wheel-guard side by side with the plain tools a release
 * manager would use instead, in one run, as ratios; writes BENCHMARKS.md.
 *
 *   1. makes the data: valid wheels with RECORD (__tests__/helpers/make-wheel.py)
 *      — 60 × 20 MiB (a numpy-like release matrix), 1 × 1 GiB (a GPU wheel),
 *      500 × 200 KiB (a nightly channel), all with stored members; 40 × 20 MiB
 *      of source-like text in deflated members (make-wheel.py --deflate); and
 *      10/100/1,000 × 200 KiB for scaling;
 *   2. starts s3rver in this process and parks every set with wheel-guard
 *      post-build, in a directory container and in the bucket;
 *   3. times, repeated and interleaved: the start-up (--version and a
 *      3-wheel local collect against bare `node -e 0`), hashing and the
 *      content check (verify vs sha256sum, openssl on 1 and on every core,
 *      unzip -tq + sha256sum on every core for the deflated set), collect
 *      from S3 (vs aws s3 cp, aws s3 cp + sha256sum -c, rclone copy),
 *      collect from a directory (vs cp + sha256sum -c), peak RSS on the
 *      1 GiB wheel, time and memory at 10, 100 and 1,000 wheels, and collect
 *      from a web address: Debian's nginx listing each set's directory (vs
 *      curl, curl + sha256sum -c, rclone's http backend), and collect from
 *      Azure Blob Storage: Azurite (the devDependency) in a child process,
 *      in memory, every set parked there with post-build (timed), against
 *      rclone copy (a SAS URL), rclone copy + sha256sum -c, and the same
 *      SDK with nothing of wheel-guard (scripts/bench/bare-azure.mjs);
 *   4. writes BENCHMARKS.md (scripts/bench/report.mjs: the targets of issue 13,
 *      and those of issue 7 still standing, judged from the run's figures)
 *      and .bench/results.json (the raw figures), and removes the data.
 *
 * `node scripts/bench.mjs --render [FILE]` rewrites the report from saved
 * figures (default .bench/results.json) without measuring anything.
 *
 * Environment: BENCH_QUICK=1 (small sets, 1 repetition: a smoke run),
 * BENCH_REPS=N, BENCH_DIR (default .bench/), BENCH_KEEP=1 (keep the data),
 * BENCH_OUT (default BENCHMARKS.md), WG_NODE (the Node that runs wheel-guard;
 * default: the one running this script, Node 24 under `npm run bench`).
 * BENCH_ONLY=azure measures the Azure section alone (BENCH_SETS=nightly,…
 * picks its sets): a check of that section while it is worked on, not a
 * report; its figures go to results-azure.json in BENCH_DIR and the
 * section's Markdown to stdout, and BENCHMARKS.md and results.json are left alone.
 *
 * Run it with --openssl-legacy-provider (the npm script does): s3rver makes
 * its listing continuation tokens with DES, so listing past 1,000 keys fails
 * without it. Every child is spawned asynchronously, since s3rver answers
 * from this process's event loop.
 */
import { existsSync } from 'node:fs';
import { cp, link, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import { GNU_TIME, bytes, machine, machineBusy, measure, mib, probe, run, runOk, secs, sha256File, summary } from './bench/lib.mjs';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteVersion, startAzurite } from './bench/azurite.mjs';
import { nginxVersion, startNginx } from './bench/nginx.mjs';
import { renderAzure, renderReport } from './bench/report.mjs';
import { staticImports } from './static-imports.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const QUICK = process.env.BENCH_QUICK === '1';
const REPS = Number.parseInt(process.env.BENCH_REPS ?? '', 10) || (QUICK ? 1 : 3);
const BENCH = resolve(ROOT, process.env.BENCH_DIR ?? '.bench');
const KEEP = process.env.BENCH_KEEP === '1';
const OUT = resolve(ROOT, process.env.BENCH_OUT ?? 'BENCHMARKS.md');
const RESULTS = join(BENCH, 'results.json');
const WG_NODE = process.env.WG_NODE || process.execPath;
/** BENCH_ONLY=azure: the Azure section alone (the only section that can run alone), on the sets BENCH_SETS names (default all). */
const ONLY = process.env.BENCH_ONLY || undefined;
if (ONLY !== undefined && ONLY !== 'azure') throw new Error(`BENCH_ONLY=${ONLY}: only "azure" can run alone`);
const ONLY_SETS = ONLY ? process.env.BENCH_SETS?.split(',').map((id) => id.trim()).filter(Boolean) : undefined;
const CLI = join(ROOT, 'dist/cli/index.js');
/**
 * What is measured: a copy of dist/ taken when the run starts (the CLI's
 * entry, the chunks it loads on first use and the worker bundle, in their
 * layout), so a rebuild of dist/ during the run cannot change, or remove,
 * the program half-way through.
 */
const DIST_COPY = join(BENCH, 'bin', 'dist');
const CLI_COPY = join(DIST_COPY, 'cli', 'index.js');

/**
 * What `wheel-guard --version` parses: the entry bundle and every chunk it
 * imports statically, and theirs (the chunks imported with import() load
 * only in runs that need them: a light start).
 */
async function staticBytes(entry) {
  let total = 0;
  for (const file of staticImports(entry)) total += (await stat(file)).size;
  return total;
}
const CORES = os.availableParallelism?.() ?? os.cpus().length;
const BUCKET = 'bench';
/** The blob container in Azurite that holds the sets (azure://devstoreaccount1/bench/<set>). */
const AZURE_CONTAINER = 'bench';

/** The data sets of the issue (QUICK: a smoke-sized version). */
const ALL_SETS = QUICK
  ? [
      { id: 'matrix', title: 'release matrix (numpy-like)', count: 6, size: 20 * MiB },
      { id: 'gpu', title: 'one GPU wheel', count: 1, size: 200 * MiB },
      { id: 'nightly', title: 'nightly channel', count: 50, size: 200 * KiB },
    ]
  : [
      { id: 'matrix', title: 'release matrix (numpy-like)', count: 60, size: 20 * MiB },
      { id: 'gpu', title: 'one GPU wheel', count: 1, size: 1 * GiB },
      { id: 'nightly', title: 'nightly channel', count: 500, size: 200 * KiB },
    ];
const SETS = ONLY_SETS ? ALL_SETS.filter((set) => ONLY_SETS.includes(set.id)) : ALL_SETS;
if (SETS.length === 0) throw new Error(`BENCH_SETS=${process.env.BENCH_SETS}: no such set (${ALL_SETS.map((set) => set.id).join(', ')})`);
/**
 * Wheels whose members are DEFLATED (most real wheels): source-like text, in
 * members of 16–256 KiB (make-wheel.py --deflate). `size` is the uncompressed
 * payload; on disk they take about half. Only verify reads them (section 1).
 */
const DEFLATED = QUICK
  ? { id: 'deflated', title: 'deflated members (source-like text)', count: 6, size: 5 * MiB, deflate: true }
  : { id: 'deflated', title: 'deflated members (source-like text)', count: 40, size: 20 * MiB, deflate: true };
/** The start-up line's collect: this many small wheels from a local directory. */
const START_WHEELS = 3;
const SCALE_SIZE = 200 * KiB;
const SCALE_COUNTS = QUICK ? [10, 100] : [10, 100, 1000];

const dirs = {
  wheels: join(BENCH, 'wheels'),
  s3rver: join(BENCH, 's3rver'),
  azurite: join(BENCH, 'azurite'),
  out: join(BENCH, 'out'),
  scratch: join(BENCH, 'tmp'),
};
const rel = (path) => relative(ROOT, path) || '.';

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** The environment of every S3 client: s3rver's fixed credentials, nothing from ~/.aws, no CA bundle. */
function s3Env(endpoint) {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    RCLONE_CONFIG: join(dirs.scratch, 'rclone.conf'),
    RCLONE_S3_PROVIDER: 'Other',
    RCLONE_S3_ENDPOINT: endpoint,
    RCLONE_S3_ACCESS_KEY_ID: 'S3RVER',
    RCLONE_S3_SECRET_ACCESS_KEY: 'S3RVER',
    RCLONE_S3_REGION: 'us-east-1',
    RCLONE_S3_FORCE_PATH_STYLE: 'true',
  };
  // The AWS CLI and rclone fail with a CA bundle set against a plain-http endpoint.
  delete env.AWS_CA_BUNDLE;
  return env;
}

// ---------------------------------------------------------------- tools

/** Finds (installing with apt-get when missing and allowed) the tools compared against. */
async function findTools() {
  const notes = [];
  const which = async (name) => (await probe('sh', ['-c', `command -v ${name}`]))?.split('\n')[0];
  const want = [];
  if (!existsSync(GNU_TIME)) want.push('time');
  if (!existsSync('/usr/bin/aws') && !(await which('aws'))) want.push('awscli');
  if (!(await which('rclone'))) want.push('rclone');
  if (!(await which('openssl'))) want.push('openssl');
  if (!(await which('curl'))) want.push('curl');
  if (!(await which('unzip'))) want.push('unzip');
  // nginx is not installed here: its Debian package starts a service on port 80 (.ci/run installs it with that kept off).
  if (want.length > 0) {
    const root = process.getuid?.() === 0;
    if (root && (await which('apt-get'))) {
      log(`installing ${want.join(', ')} with apt-get`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const update = await run('apt-get', ['update', '-qq'], { env, timeoutMs: 10 * 60_000 });
      const install = update.code === 0 ? await run('apt-get', ['install', '-y', '-qq', ...want], { env, timeoutMs: 15 * 60_000 }) : update;
      if (install.code !== 0) notes.push(`apt-get install ${want.join(' ')} failed: ${install.stderr.trim().split('\n').pop()}`);
    } else {
      notes.push(`missing ${want.join(', ')} and no apt-get as root to install ${want.length > 1 ? 'them' : 'it'}`);
    }
  }
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time, Debian package "time") is needed for CPU time and peak RSS`);
  // Debian's awscli (v2) where .ci/run installs it; else whatever `aws` is on PATH.
  const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : await which('aws');
  const rclone = await which('rclone');
  const openssl = await which('openssl');
  if (!aws) notes.push('the AWS CLI is not installed: its comparisons are left out');
  if (!rclone) notes.push('rclone is not installed: its comparison is left out');
  if (!openssl) throw new Error('openssl is needed (the hashing reference)');
  const curl = await which('curl');
  const unzip = await which('unzip');
  if (!unzip) notes.push('unzip is not installed: the deflated set\'s comparison (unzip -tq then sha256sum) is left out');
  const nginx = await nginxVersion();
  if (!curl) notes.push('curl is not installed: its comparisons are left out');
  if (!nginx) notes.push('nginx is not installed: the web-address section is left out');
  const azurite = await azuriteVersion();
  if (!azurite) notes.push('Azurite (a devDependency: npm ci installs it) is not installed: the Azure section is left out');
  return { aws, rclone, openssl, curl, unzip, nginx, azurite, notes };
}

/** Versions of everything measured. */
async function versions(tools) {
  const first = (text) => text?.split('\n')[0]?.trim() ?? 'not installed';
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const s3rverPkg = JSON.parse(await readFile(join(ROOT, 'node_modules/s3rver/package.json'), 'utf8'));
  const commit = await probe('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = await probe('git', ['-C', ROOT, 'status', '--porcelain', '--', 'dist', 'src']);
  const dpkgTime = await probe('dpkg-query', ['-W', '-f', '${Version}', 'time']);
  return {
    wheelGuard: `${pkg.version}${commit ? ` (commit ${commit}${dirty ? ', with uncommitted changes in src/ or dist/' : ''})` : ''}; dist/cli/index.js sha256 ${(await sha256File(CLI_COPY)).slice(0, 16)}… (dist/ copied at the start and run from the copy)`,
    wgNode: first(await probe(WG_NODE, ['--version'])),
    benchNode: process.version,
    nodeOpenssl: first(await probe(WG_NODE, ['-p', 'process.versions.openssl'])),
    sha256sum: first(await probe('sha256sum', ['--version'])),
    openssl: first(await probe(tools.openssl, ['version'])),
    aws: tools.aws ? first(await probe(tools.aws, ['--version'], { env: { ...process.env, AWS_CA_BUNDLE: '' } })) : 'not installed',
    rclone: tools.rclone ? first(await probe(tools.rclone, ['version'])) : 'not installed',
    curl: tools.curl ? first(await probe(tools.curl, ['--version'])) : 'not installed',
    unzip: tools.unzip ? first(await probe(tools.unzip, ['-v'])) : 'not installed',
    nginx: tools.nginx ?? 'not installed',
    s3rver: s3rverPkg.version,
    azurite: tools.azurite ?? 'not installed',
    python: first(await probe('python3', ['--version'])),
    coreutils: first(await probe('cp', ['--version'])),
    time: dpkgTime ? `GNU time ${dpkgTime}` : 'GNU time',
  };
}

// ---------------------------------------------------------------- data

async function fresh(dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

async function listWheels(dir) {
  return (await readdir(dir)).filter((name) => name.endsWith('.whl')).sort();
}

/**
 * Makes every set with make-wheel.py, one Python per core, jobs shared out
 * by size. A set already there with the same spec (BENCH_KEEP=1) is reused.
 * BENCH_ONLY=azure: only the sets it collects.
 */
async function makeData() {
  const wanted = ONLY ? SETS : [...SETS, DEFLATED, { id: 'scale', count: Math.max(...SCALE_COUNTS), size: SCALE_SIZE }];
  const jobs = [];
  for (const set of wanted) {
    const dir = join(dirs.wheels, set.id);
    const spec = JSON.stringify({ count: set.count, size: set.size, ...(set.deflate ? { deflate: true } : {}) });
    const marker = join(dir, '.spec');
    if (existsSync(marker) && (await readFile(marker, 'utf8')) === spec && (await listWheels(dir)).length === set.count) continue;
    await fresh(dir);
    for (let i = 1; i <= set.count; i++) {
      jobs.push({ set, marker, spec, line: `${dir} ${set.id}${String(i).padStart(4, '0')} 1.0.0 ${set.size} ${i}${set.deflate ? ' --deflate' : ''}` });
    }
  }
  if (jobs.length > 0) {
    log(`making ${jobs.length} wheels (${bytes(jobs.reduce((sum, job) => sum + job.set.size, 0))})`);
    const shares = Array.from({ length: CORES }, () => ({ lines: [], bytes: 0 }));
    for (const job of [...jobs].sort((a, b) => b.set.size - a.set.size)) {
      const share = shares.reduce((least, s) => (s.bytes < least.bytes ? s : least));
      share.lines.push(job.line);
      share.bytes += job.set.size;
    }
    const helper = join(ROOT, '__tests__/helpers/make-wheel.py');
    await Promise.all(
      shares
        .filter((share) => share.lines.length > 0)
        .map((share) =>
          runOk('python3', [join(ROOT, 'scripts/bench/make-wheels.py'), helper], { input: share.lines.join('\n') + '\n', timeoutMs: 30 * 60_000 }),
        ),
    );
    for (const job of jobs) await writeFile(job.marker, job.spec);
  }
  // The scaling sets: the first N of the 1,000, hard-linked.
  const all = ONLY ? [] : await listWheels(join(dirs.wheels, 'scale'));
  for (const n of ONLY ? [] : [...SCALE_COUNTS, START_WHEELS]) {
    const dir = join(dirs.wheels, `scale-${n}`);
    await fresh(dir);
    for (const name of all.slice(0, n)) await link(join(dirs.wheels, 'scale', name), join(dir, name));
  }
  for (const set of ONLY ? SETS : [...SETS, DEFLATED]) {
    const dir = join(dirs.wheels, set.id);
    const names = await listWheels(dir);
    set.files = names;
    set.bytes = (await Promise.all(names.map((name) => stat(join(dir, name))))).reduce((sum, s) => sum + s.size, 0);
  }
}

// ---------------------------------------------------------------- measuring

/** wheel-guard's CLI as a command line (the Node that runs it, then the bundle). */
const wg = (...args) => [WG_NODE, [CLI_COPY, ...args]];
const WG_SHOWN = 'node dist/cli/index.js';

/** Bounds the waiting for a quiet machine, over the whole run (BENCH_QUIET_BUDGET seconds). */
const quiet = { budget: Number(process.env.BENCH_QUIET_BUDGET ?? (QUICK ? 20 : 90)), spent: 0, waits: 0, retakes: 0 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (up to 3 s, within the run's budget) for a 250 ms window in which
 * other processes keep less than a third of a core busy. The machine may be
 * shared (a CI runner, other people's test suites); this keeps their bursts
 * out of the samples where it can. What remains is measured and reported.
 */
async function waitQuiet() {
  const until = Date.now() + 3000;
  let waited = false;
  while (Date.now() < until && quiet.spent < quiet.budget) {
    const before = machineBusy();
    const self = process.cpuUsage();
    await sleep(250);
    if (before === undefined) return;
    const mine = (process.cpuUsage(self).user + process.cpuUsage(self).system) / 1e6;
    const others = (machineBusy() - before - mine) / 0.25;
    if (others < 0.33) break;
    quiet.spent += 0.25;
    waited = true;
  }
  if (waited) quiet.waits++;
}

/**
 * Times variants side by side: each repetition runs every variant once, the
 * order rotated each time so that no variant always goes first (or last).
 * A variant: { id, label, shown, command: (rep) => [cmd, args, options], before?, after?, pinned? }.
 * Pinned variants run first in every repetition, in their order.
 * A short sample (under 5 s) during which other processes kept more than
 * half a core busy is taken again once (while the quiet budget lasts), and
 * the quieter one kept.
 */
async function compare(section, variants, reps = REPS) {
  const sectionStart = Date.now();
  const samples = new Map(variants.map((variant) => [variant.id, []]));
  const pinned = variants.filter((variant) => variant.pinned);
  const rest = variants.filter((variant) => !variant.pinned);
  const load = (sample) => (sample.others ?? 0) / sample.wall;
  for (let rep = 0; rep < reps; rep++) {
    const shift = rest.length ? rep % rest.length : 0;
    const order = [...pinned, ...rest.slice(shift), ...rest.slice(0, shift)];
    for (const variant of order) {
      let sample;
      for (let take = 0; take < 2; take++) {
        await waitQuiet();
        await variant.before?.(rep);
        const [cmd, args, options = {}] = variant.command(rep);
        const started = Date.now();
        const next = await measure(cmd, args, { scratch: dirs.scratch, ...options });
        await variant.after?.(next, rep);
        if (!sample || load(next) < load(sample)) sample = next;
        // Retaking a pinned variant (one that fills what the others read) would change their input.
        if (load(sample) <= 0.5 || variant.pinned || next.wall > 5 || quiet.spent >= quiet.budget) break;
        quiet.retakes++;
        quiet.spent += (Date.now() - started) / 1000;
        log(`${section} · ${variant.label}: other processes kept ${load(next).toFixed(2)} cores busy, taking it again`);
      }
      samples.get(variant.id).push(sample);
      log(`${section} · ${variant.label} · ${rep + 1}/${reps}: ${secs(sample.wall)} s, cpu ${secs(sample.cpu)} s, rss ${mib(sample.rss)}, others ${load(sample).toFixed(2)} cores`);
    }
  }
  timings.push([section, (Date.now() - sectionStart) / 1000]);
  return variants.map((variant) => {
    const list = samples.get(variant.id).map(({ wall, cpu, rss, user, sys, server, others }) => ({ wall, cpu, rss, user, sys, server, others }));
    return {
      id: variant.id,
      label: variant.label,
      shown: variant.shown,
      samples: list,
      wall: summary(list, 'wall'),
      cpu: summary(list, 'cpu'),
      rss: summary(list, 'rss'),
      server: summary(list, 'server'),
    };
  });
}

/** Seconds each section took, for the report. */
const timings = [];

/** A fresh download directory, and after a run: the expected wheels are all there, then it goes. */
function downloadDir(name, expectedWheels, { sidecars = false } = {}) {
  const dir = join(dirs.out, name);
  return {
    dir,
    before: async () => fresh(dir),
    after: async () => {
      const names = await readdir(dir);
      const wheels = names.filter((n) => n.endsWith('.whl')).length;
      if (wheels !== expectedWheels) throw new Error(`${name}: ${wheels} wheels in ${dir}, expected ${expectedWheels}`);
      if (sidecars && names.filter((n) => n.endsWith('.whl.sha256')).length !== expectedWheels) {
        throw new Error(`${name}: the sidecars did not all arrive in ${dir}`);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The fixed cost of every wheel-guard run: Node starting and loading the
 * bundle (`--version`), and the smallest real run, a collect of 3 small
 * wheels from a local directory (with the content check: the chunks and
 * worker threads a run loads on first use); bare Node for scale.
 */
async function startupCost() {
  // The 3 wheels' directory container: post-build (not timed) puts each wheel and its sidecar there.
  const container = join(dirs.wheels, `start-${START_WHEELS}`);
  await rm(container, { recursive: true, force: true });
  await runOk(...wg('post-build', '--container', container, '--path', join(dirs.wheels, `scale-${START_WHEELS}`), '--sha256sums', join(dirs.scratch, 'start.sums')));
  const dl = downloadDir('start-collect', START_WHEELS);
  const variants = [
    { id: 'wg-version', label: 'wheel-guard --version', shown: `${WG_SHOWN} --version`, command: () => wg('--version') },
    {
      id: 'wg-collect',
      label: `wheel-guard collect, ${START_WHEELS} wheels of ${SCALE_SIZE / KiB} KiB from a directory (hash + contents)`,
      shown: `${WG_SHOWN} collect --container ${rel(container)} --path DEST`,
      ...dl,
      command: () => wg('collect', '--container', container, '--path', dl.dir, '--sha256sums', join(dirs.scratch, 'start-collect.sums')),
    },
    { id: 'node', label: 'bare Node (node -e 0)', shown: 'node -e 0', command: () => [WG_NODE, ['-e', '0']] },
  ];
  // One warm-up, not kept; then more repetitions than elsewhere: every "net of start-up" figure leans on it.
  await measure(...wg('--version'), { scratch: dirs.scratch });
  const [wgStart, collectStart, nodeStart] = await compare('start-up', variants, Math.max(5, 2 * REPS));
  return { ...wgStart, node: nodeStart, collect: collectStart, wheels: START_WHEELS };
}

/**
 * Parks every set with post-build into the bucket, once each, with
 * --local-sidecars: the wheels' own directory, sidecars beside them, then
 * serves as the directory container (verify, local collect).
 */
async function populate(endpoint) {
  const runs = [];
  for (const set of SETS) {
    const dir = join(dirs.wheels, set.id);
    const url = `s3://${BUCKET}/${set.id}`;
    log(`post-build ${set.id} → ${url}`);
    const sample = await measure(
      ...wg('post-build', '--container', url, '--endpoint', endpoint, '--path', dir, '--local-sidecars', '--sha256sums', join(dirs.scratch, `${set.id}.sums`)),
      { scratch: dirs.scratch, env: s3Env(endpoint) },
    );
    log(`post-build ${set.id} → ${url}: ${secs(sample.wall)} s, rss ${mib(sample.rss)}`);
    runs.push({ set: set.id, target: 's3', sample, shown: `${WG_SHOWN} post-build --container ${url} --endpoint $URL --path ${rel(dir)} --local-sidecars` });
  }
  // The deflated set only needs its sidecars beside it (verify reads it in place): post-build into a scratch directory.
  {
    const dir = join(dirs.wheels, DEFLATED.id);
    const container = join(dirs.out, 'park-deflated');
    log(`post-build ${DEFLATED.id} → a directory (its sidecars)`);
    const sample = await measure(
      ...wg('post-build', '--container', container, '--path', dir, '--local-sidecars', '--sha256sums', join(dirs.scratch, `${DEFLATED.id}.sums`)),
      { scratch: dirs.scratch },
    );
    await rm(container, { recursive: true, force: true });
    runs.push({ set: DEFLATED.id, target: 'directory', sample, shown: `${WG_SHOWN} post-build --container DIR --path ${rel(dir)} --local-sidecars` });
  }
  return runs;
}

/** A Node one-liner printing a file's sha256, read in `chunk`-byte pieces. */
const nodeHash = (chunk) =>
  `const h = require('node:crypto').createHash('sha256');` +
  `require('node:fs').createReadStream(process.argv[1], { highWaterMark: ${chunk} })` +
  `.on('data', (c) => h.update(c)).on('end', () => console.log(h.digest('hex')));`;

/**
 * Hashing and the content check: verify (post-build's hash, without the
 * copy) hash only and with the check, against sha256sum and openssl, one
 * process and one per core; on the deflated set, against unzip -tq (each
 * member inflated, its CRC-32 checked) plus sha256sum, one process per core.
 */
async function hashing(tools) {
  const results = {};
  for (const set of [...SETS, DEFLATED]) {
    const dir = join(dirs.wheels, set.id);
    const files = set.files;
    const perProcess = Math.ceil(files.length / CORES);
    const many = files.length > 1;
    const variants = [
      { id: 'wg', label: 'wheel-guard verify, hash only', shown: `${WG_SHOWN} verify ${rel(dir)} --check-contents false`, command: () => wg('verify', dir, '--check-contents', 'false') },
      // The content check (the default), on every set.
      { id: 'wg-contents', label: 'wheel-guard verify, hash + contents (default)', shown: `${WG_SHOWN} verify ${rel(dir)}`, command: () => wg('verify', dir) },
      ...(many && CORES !== 4 && !set.deflate
        ? [
            {
              id: 'wg-cores',
              label: `wheel-guard verify, hash only, --concurrency ${CORES}`,
              shown: `${WG_SHOWN} verify ${rel(dir)} --check-contents false --concurrency ${CORES}`,
              command: () => wg('verify', dir, '--check-contents', 'false', '--concurrency', String(CORES)),
            },
          ]
        : []),
      // The floor for any Node program: Node's own sha256 over the file, nothing of wheel-guard loaded.
      ...(!many
        ? [64 * KiB].map((chunk) => ({
            id: `node-${chunk / KiB}k`,
            label: `bare Node sha256, ${chunk / KiB} KiB reads (no wheel-guard)`,
            shown: `node -e '<createHash + createReadStream, highWaterMark ${chunk / KiB} KiB>' FILE`,
            command: () => [WG_NODE, ['-e', nodeHash(chunk), files[0]], { cwd: dir }],
          }))
        : []),
      ...(set.deflate ? [] : [{ id: 'sha256sum', label: 'sha256sum', shown: `sha256sum *.whl`, command: () => ['sha256sum', files, { cwd: dir }] }]),
      { id: 'openssl', label: 'openssl dgst -sha256', shown: `openssl dgst -sha256 *.whl`, command: () => [tools.openssl, ['dgst', '-sha256', ...files], { cwd: dir }] },
      ...(many
        ? [
            {
              id: 'openssl-par',
              label: `openssl dgst -sha256, ${CORES} processes`,
              shown: `printf '%s\\0' *.whl | xargs -0 -P ${CORES} -n ${perProcess} openssl dgst -sha256`,
              command: () => ['xargs', ['-0', '-P', String(CORES), '-n', String(perProcess), tools.openssl, 'dgst', '-sha256'], { cwd: dir, input: files.join('\0') }],
            },
          ]
        : []),
      // What a careful person would run on deflated members: every member inflated and its CRC-32 checked, then the file's sha256.
      ...(set.deflate && tools.unzip
        ? [
            {
              id: 'unzip-par',
              label: `unzip -tq then sha256sum, ${CORES} processes`,
              shown: `printf '%s\\0' *.whl | xargs -0 -P ${CORES} -n ${perProcess} sh -c 'for f; do unzip -tq "$f" >/dev/null || exit 255; done; sha256sum "$@"' sh`,
              command: () => [
                'xargs',
                ['-0', '-P', String(CORES), '-n', String(perProcess), 'sh', '-c', 'for f; do unzip -tq "$f" >/dev/null || exit 255; done; sha256sum "$@"', 'sh'],
                { cwd: dir, input: files.join('\0') },
              ],
            },
          ]
        : []),
    ];
    results[set.id] = await compare(`hash ${set.id}`, variants);
  }
  return results;
}

/** Collect from s3rver against the AWS CLI (alone and followed by sha256sum -c) and rclone. */
async function collectS3(tools, endpoint) {
  const env = s3Env(endpoint);
  const results = {};
  for (const set of SETS) {
    const src = `s3://${BUCKET}/${set.id}`;
    const sums = join(dirs.scratch, `collect-${set.id}.sums`);
    const dl = (name, sidecars) => downloadDir(`${set.id}-${name}`, set.count, { sidecars });
    const wgDl = dl('wg');
    const wgFastDl = dl('wg-nocheck');
    const awsDl = dl('aws', true);
    const awsCheckDl = dl('aws-check', true);
    const rcloneDl = dl('rclone', true);
    const bareDl = dl('node-bare');
    const variants = [
      {
        id: 'wg',
        label: 'wheel-guard collect (hash + contents, the default)',
        shown: `${WG_SHOWN} collect --container ${src} --endpoint $URL --path DEST`,
        ...wgDl,
        command: () => wg('collect', '--container', src, '--endpoint', endpoint, '--path', wgDl.dir, '--sha256sums', sums).concat([{ env }]),
      },
      // Without the content check, as an extra line: what the check costs.
      {
        id: 'wg-nocheck',
        label: 'wheel-guard collect --check-contents false',
        shown: `${WG_SHOWN} collect --container ${src} --endpoint $URL --path DEST --check-contents false`,
        ...wgFastDl,
        command: () => wg('collect', '--container', src, '--endpoint', endpoint, '--path', wgFastDl.dir, '--sha256sums', sums, '--check-contents', 'false').concat([{ env }]),
      },
      // What any Node program pays to move and hash these bytes with the same SDK (nothing of wheel-guard).
      {
        id: 'node-bare',
        label: 'bare Node: the SDK\'s GetObject, sha256, write (no wheel-guard)',
        shown: `node scripts/bench/bare-s3.mjs $URL ${BUCKET} ${set.id} DEST`,
        ...bareDl,
        command: () => [WG_NODE, [join(ROOT, 'scripts/bench/bare-s3.mjs'), endpoint, BUCKET, set.id, bareDl.dir], { env }],
      },
      ...(tools.aws
        ? [
            {
              id: 'aws',
              label: 'aws s3 cp --recursive',
              shown: `aws s3 cp --recursive ${src} DEST --endpoint-url $URL --only-show-errors`,
              ...awsDl,
              command: () => [tools.aws, ['s3', 'cp', '--recursive', src, awsDl.dir, '--endpoint-url', endpoint, '--only-show-errors'], { env }],
            },
            {
              id: 'aws-check',
              label: 'aws s3 cp --recursive, then sha256sum -c',
              shown: `aws s3 cp --recursive ${src} DEST --endpoint-url $URL --only-show-errors && cd DEST && cat *.sha256 | sha256sum -c --quiet`,
              ...awsCheckDl,
              command: () => [
                'sh',
                ['-c', 'set -e; "$0" s3 cp --recursive "$1" "$2" --endpoint-url "$3" --only-show-errors; cd "$2"; cat -- *.sha256 | sha256sum -c --quiet -', tools.aws, src, awsCheckDl.dir, endpoint],
                { env },
              ],
            },
          ]
        : []),
      ...(tools.rclone
        ? [
            {
              id: 'rclone',
              label: 'rclone copy',
              shown: `rclone copy -q :s3:${BUCKET}/${set.id} DEST`,
              ...rcloneDl,
              command: () => [tools.rclone, ['copy', '-q', `:s3:${BUCKET}/${set.id}`, rcloneDl.dir], { env }],
            },
          ]
        : []),
    ];
    results[set.id] = await compare(`collect s3 ${set.id}`, variants);
  }
  return results;
}

/** Collect from a directory container against cp followed by sha256sum -c (and cp alone). */
async function collectLocal() {
  const results = {};
  for (const set of SETS) {
    const src = join(dirs.wheels, set.id);
    const sums = join(dirs.scratch, `collect-local-${set.id}.sums`);
    const wgDl = downloadDir(`${set.id}-local-wg`, set.count);
    const cpCheckDl = downloadDir(`${set.id}-local-cp-check`, set.count, { sidecars: true });
    const cpDl = downloadDir(`${set.id}-local-cp`, set.count, { sidecars: true });
    const variants = [
      {
        id: 'wg',
        label: 'wheel-guard collect (hash + contents, the default)',
        shown: `${WG_SHOWN} collect --container ${rel(src)} --path DEST`,
        ...wgDl,
        command: () => wg('collect', '--container', src, '--path', wgDl.dir, '--sha256sums', sums),
      },
      {
        id: 'cp-check',
        label: 'cp, then sha256sum -c',
        shown: `cp ${rel(src)}/* DEST/ && cd DEST && cat *.sha256 | sha256sum -c --quiet`,
        ...cpCheckDl,
        command: () => ['sh', ['-c', 'set -e; cp -- "$0"/* "$1"/; cd "$1"; cat -- *.sha256 | sha256sum -c --quiet -', src, cpCheckDl.dir]],
      },
      {
        id: 'cp',
        label: 'cp alone',
        shown: `cp ${rel(src)}/* DEST/`,
        ...cpDl,
        command: () => ['sh', ['-c', 'cp -- "$0"/* "$1"/', src, cpDl.dir]],
      },
    ];
    results[set.id] = await compare(`collect dir ${set.id}`, variants);
  }
  return results;
}

/**
 * A variant's before/after hooks (`dl`'s, wrapped) that measure a server in
 * processes of its own (nginx, Azurite) around each sample: its CPU seconds
 * become the sample's server CPU, and leave the other processes' load.
 */
function servedBy(server, dl = {}) {
  let before;
  return {
    before: async (rep) => {
      await dl.before?.(rep);
      before = await server.cpuSeconds();
    },
    after: async (sample, rep) => {
      const after = await server.cpuSeconds();
      if (before !== undefined && after !== undefined) {
        sample.server = after - before;
        if (sample.others !== undefined) sample.others = Math.max(0, sample.others - sample.server);
      }
      await dl.after?.(sample, rep);
    },
  };
}

/**
 * Collect from a web address: nginx (autoindex) lists each set's directory,
 * the wheels with their sidecars, over loopback. Against downloading the same
 * files with curl (4 transfers at once, as wheel-guard's concurrency), curl
 * then sha256sum -c, and rclone's http backend (which reads the same listing).
 * nginx runs in its own processes: its CPU is measured from /proc around each
 * sample and reported as the server's, not as other processes' load.
 */
async function collectHttp(tools, server) {
  const results = {};
  // rclone, like the AWS CLI, fails with a CA bundle set (even for plain http).
  const env = { ...process.env, RCLONE_CONFIG: join(dirs.scratch, 'rclone.conf') };
  delete env.AWS_CA_BUNDLE;
  const served = (dl) => servedBy(server, dl);
  for (const set of SETS) {
    const url = `${server.endpoint}/${set.id}/`;
    const sums = join(dirs.scratch, `collect-http-${set.id}.sums`);
    const urls = set.files.flatMap((name) => [`${url}${name}`, `${url}${name}.sha256`]);
    const dl = (name, sidecars) => downloadDir(`${set.id}-http-${name}`, set.count, { sidecars });
    const wgDl = dl('wg');
    const curlDl = dl('curl', true);
    const curlCheckDl = dl('curl-check', true);
    const rcloneDl = dl('rclone', true);
    const curlArgs = (dir) => ['-sS', '--fail', '--parallel', '--parallel-max', '4', '--output-dir', dir, '--remote-name-all', ...urls];
    const variants = [
      {
        id: 'wg',
        label: 'wheel-guard collect (hash + contents, the default)',
        shown: `${WG_SHOWN} collect --container http://127.0.0.1:$PORT/${set.id}/ --path DEST`,
        ...wgDl,
        ...served(wgDl),
        command: () => wg('collect', '--container', url, '--path', wgDl.dir, '--sha256sums', sums).concat([{ env }]),
      },
      ...(tools.curl
        ? [
            {
              id: 'curl',
              label: 'curl, 4 at once',
              shown: `curl -sS --fail --parallel --parallel-max 4 --output-dir DEST --remote-name-all $URL/<each wheel> $URL/<each sidecar>`,
              ...curlDl,
              ...served(curlDl),
              command: () => [tools.curl, curlArgs(curlDl.dir), { env }],
            },
            {
              id: 'curl-check',
              label: 'curl, 4 at once, then sha256sum -c',
              shown: `curl … (as above) && cd DEST && cat *.sha256 | sha256sum -c --quiet`,
              ...curlCheckDl,
              ...served(curlCheckDl),
              command: () => [
                'sh',
                ['-c', 'set -e; dir=$1; shift; "$0" "$@"; cd "$dir"; cat -- *.sha256 | sha256sum -c --quiet -', tools.curl, curlCheckDl.dir, ...curlArgs(curlCheckDl.dir)],
                { env },
              ],
            },
          ]
        : []),
      ...(tools.rclone
        ? [
            {
              id: 'rclone',
              label: 'rclone copy (http backend)',
              shown: `rclone copy -q --http-url http://127.0.0.1:$PORT/${set.id}/ :http: DEST`,
              ...rcloneDl,
              ...served(rcloneDl),
              command: () => [tools.rclone, ['copy', '-q', '--http-url', url, ':http:', rcloneDl.dir], { env }],
            },
          ]
        : []),
    ];
    results[set.id] = await compare(`collect http ${set.id}`, variants);
  }
  return results;
}

/**
 * The environment of every Azure client: Azurite's account key and no other
 * Azure credential (a connection string or SAS token in the caller's
 * environment would go first), and no CA bundle (rclone fails with one set,
 * even for plain http).
 */
function azureEnv() {
  const env = { ...process.env, AZURE_STORAGE_KEY: AZURITE_KEY, RCLONE_CONFIG: join(dirs.scratch, 'rclone.conf') };
  for (const name of ['AZURE_STORAGE_CONNECTION_STRING', 'AZURE_STORAGE_SAS_TOKEN', 'AZURE_STORAGE_ACCOUNT', 'AWS_CA_BUNDLE']) delete env[name];
  return env;
}

/** Azurite's in-memory extent limit (MiB): every set's bytes, with room for the sidecars and blocks not yet committed. */
const azuriteMemoryMiB = () => Math.max(512, Math.ceil((1.1 * SETS.reduce((sum, set) => sum + set.bytes, 0)) / MiB) + 256);

/**
 * Azure Blob Storage: Azurite in a child process, in memory, on 127.0.0.1;
 * every set parked with post-build, then collect timed against rclone and
 * the bare SDK. Azurite stops at the end, and on failure.
 */
async function azure(tools) {
  const memoryMiB = azuriteMemoryMiB();
  const azurite = await startAzurite({ dir: dirs.azurite, memoryMiB, container: AZURE_CONTAINER });
  log(`Azurite at ${azurite.origin} (in memory, up to ${memoryMiB} MiB)`);
  try {
    const parkStart = Date.now();
    const populated = await parkAzure(azurite);
    timings.push(['parking the sets in Azurite (post-build, once each)', (Date.now() - parkStart) / 1000]);
    const collected = await collectAzure(tools, azurite);
    return { memoryMiB, populated, collect: collected };
  } catch (error) {
    // What Azurite said, if it fell over (it logs nothing else: --silent).
    if (error instanceof Error && azurite.output().trim()) error.message += `\nAzurite's output (tail):\n${azurite.output().slice(-2000)}`;
    throw error;
  } finally {
    await azurite.stop();
  }
}

/**
 * Parks every set with post-build in Azurite, once each (timed, as the S3
 * parking): each wheel and its sidecar under azure://devstoreaccount1/bench/<set>.
 * Azurite's CPU meanwhile is the sample's server CPU.
 */
async function parkAzure(azurite) {
  const env = azureEnv();
  const runs = [];
  for (const set of SETS) {
    const dir = join(dirs.wheels, set.id);
    const url = `azure://${AZURITE_ACCOUNT}/${AZURE_CONTAINER}/${set.id}`;
    log(`post-build ${set.id} → ${url}`);
    const hooks = servedBy(azurite);
    await hooks.before(0);
    const sample = await measure(
      ...wg('post-build', '--container', url, '--endpoint', azurite.origin, '--path', dir, '--sha256sums', join(dirs.scratch, `${set.id}-azure.sums`)),
      { scratch: dirs.scratch, env },
    );
    await hooks.after(sample, 0);
    log(`post-build ${set.id} → ${url}: ${secs(sample.wall)} s, rss ${mib(sample.rss)}, Azurite cpu ${secs(sample.server)} s`);
    runs.push({ set: set.id, target: 'azure', sample, shown: `${WG_SHOWN} post-build --container ${url} --endpoint $URL --path ${rel(dir)}` });
  }
  return runs;
}

/**
 * Collect from Azurite against rclone's azureblob backend (through a SAS URL
 * for the container: rclone 1.60 takes an emulator's address no other way),
 * alone and followed by sha256sum -c, and against the same SDK with nothing
 * of wheel-guard (scripts/bench/bare-azure.mjs). Azurite's CPU is measured
 * from /proc around each sample.
 */
async function collectAzure(tools, azurite) {
  const env = azureEnv();
  const sasUrl = `${azurite.blobEndpoint}/${AZURE_CONTAINER}?${azurite.containerSas()}`;
  const results = {};
  for (const set of SETS) {
    const src = `azure://${AZURITE_ACCOUNT}/${AZURE_CONTAINER}/${set.id}`;
    const sums = join(dirs.scratch, `collect-azure-${set.id}.sums`);
    const dl = (name, sidecars) => downloadDir(`${set.id}-azure-${name}`, set.count, { sidecars });
    const wgDl = dl('wg');
    const bareDl = dl('node-bare');
    const rcloneDl = dl('rclone', true);
    const rcloneCheckDl = dl('rclone-check', true);
    const rcloneArgs = (dir) => ['copy', '-q', `:azureblob:${AZURE_CONTAINER}/${set.id}`, dir, '--azureblob-sas-url', sasUrl];
    const rcloneShown = `rclone copy -q :azureblob:${AZURE_CONTAINER}/${set.id} DEST --azureblob-sas-url "$URL/${AZURITE_ACCOUNT}/${AZURE_CONTAINER}?$SAS"`;
    const variants = [
      {
        id: 'wg',
        label: 'wheel-guard collect (hash + contents, the default)',
        shown: `${WG_SHOWN} collect --container ${src} --endpoint $URL --path DEST`,
        ...wgDl,
        ...servedBy(azurite, wgDl),
        command: () => wg('collect', '--container', src, '--endpoint', azurite.origin, '--path', wgDl.dir, '--sha256sums', sums).concat([{ env }]),
      },
      // What any Node program pays to move and hash these bytes with the same SDK (nothing of wheel-guard).
      {
        id: 'node-bare',
        label: 'bare Node: the SDK\'s download, sha256, write (no wheel-guard)',
        shown: `node scripts/bench/bare-azure.mjs $URL/${AZURITE_ACCOUNT} ${AZURE_CONTAINER} ${set.id} DEST`,
        ...bareDl,
        ...servedBy(azurite, bareDl),
        command: () => [WG_NODE, [join(ROOT, 'scripts/bench/bare-azure.mjs'), azurite.blobEndpoint, AZURE_CONTAINER, set.id, bareDl.dir], { env }],
      },
      ...(tools.rclone
        ? [
            {
              id: 'rclone',
              label: 'rclone copy (SAS URL)',
              shown: rcloneShown,
              ...rcloneDl,
              ...servedBy(azurite, rcloneDl),
              command: () => [tools.rclone, rcloneArgs(rcloneDl.dir), { env }],
            },
            {
              id: 'rclone-check',
              label: 'rclone copy (SAS URL), then sha256sum -c',
              shown: `rclone copy … (as above) && cd DEST && cat *.sha256 | sha256sum -c --quiet`,
              ...rcloneCheckDl,
              ...servedBy(azurite, rcloneCheckDl),
              command: () => [
                'sh',
                ['-c', 'set -e; dir=$1; shift; "$0" "$@"; cd "$dir"; cat -- *.sha256 | sha256sum -c --quiet -', tools.rclone, rcloneCheckDl.dir, ...rcloneArgs(rcloneCheckDl.dir)],
                { env },
              ],
            },
          ]
        : []),
    ];
    results[set.id] = await compare(`collect azure ${set.id}`, variants);
  }
  return results;
}

/** post-build of the largest wheel into a fresh directory container, repeated (its peak RSS). */
async function postBuildBig() {
  const big = SETS.reduce((a, b) => (b.size > a.size ? b : a));
  const container = join(dirs.out, 'pb-container');
  const [result] = await compare(`post-build ${big.id}`, [
    {
      id: 'wg-post-build',
      label: `wheel-guard post-build → directory`,
      shown: `${WG_SHOWN} post-build --container DIR --path ${rel(join(dirs.wheels, big.id))}`,
      before: () => rm(container, { recursive: true, force: true }),
      after: async () => {
        const names = await readdir(container);
        if (names.filter((n) => n.endsWith('.whl')).length !== big.count) throw new Error(`post-build left ${names.join(', ')} in ${container}`);
        await rm(container, { recursive: true, force: true });
      },
      command: () => wg('post-build', '--container', container, '--path', join(dirs.wheels, big.id), '--sha256sums', join(dirs.scratch, 'pb-big.sums')),
    },
  ]);
  return { set: big.id, result };
}

/** Time per wheel at 10, 100 and 1,000 wheels: post-build to S3, collect from S3, verify. */
async function scaling(endpoint) {
  const env = s3Env(endpoint);
  const results = {};
  for (const n of SCALE_COUNTS) {
    const wheels = join(dirs.wheels, `scale-${n}`);
    const sums = join(dirs.scratch, `scale-${n}.sums`);
    const prefix = (rep) => `s3://${BUCKET}/scale-${n}-r${rep + 1}`;
    const wgDl = downloadDir(`scale-${n}-wg`, n);
    const variants = [
      {
        id: 'post-build',
        label: 'wheel-guard post-build → S3',
        shown: `${WG_SHOWN} post-build --container s3://${BUCKET}/scale-${n}-rK --endpoint $URL --path ${rel(wheels)}`,
        pinned: true, // first in every repetition: it fills the prefix the others read
        command: (rep) => wg('post-build', '--container', prefix(rep), '--endpoint', endpoint, '--path', wheels, '--sha256sums', sums).concat([{ env }]),
      },
      {
        id: 'collect',
        label: 'wheel-guard collect ← S3',
        shown: `${WG_SHOWN} collect --container s3://${BUCKET}/scale-${n}-r1 --endpoint $URL --path DEST`,
        ...wgDl,
        command: () => wg('collect', '--container', prefix(0), '--endpoint', endpoint, '--path', wgDl.dir, '--sha256sums', join(dirs.scratch, `scale-${n}-collect.sums`)).concat([{ env }]),
      },
      {
        id: 'verify',
        label: 'wheel-guard verify (against SHA256SUMS)',
        shown: `${WG_SHOWN} verify ${rel(wheels)} --sha256sums SHA256SUMS`,
        command: () => wg('verify', wheels, '--sha256sums', sums),
      },
    ];
    results[n] = await compare(`scale ${n}`, variants);
  }
  return results;
}

// ---------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  const loadStart = os.loadavg();
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm ci (dist/ is committed) or npm run build`);
  log(`mode ${QUICK ? 'quick (BENCH_QUICK=1)' : 'full'}, ${REPS} repetition(s), data in ${BENCH}`);
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  await fresh(dirs.out);
  await fresh(dirs.s3rver);
  await rm(DIST_COPY, { recursive: true, force: true });
  await mkdir(dirname(DIST_COPY), { recursive: true });
  await cp(join(ROOT, 'dist'), DIST_COPY, { recursive: true });

  const tools = await findTools();
  const info = { machine: await machine(BENCH), versions: await versions(tools) };
  const dataStart = Date.now();
  await makeData();
  timings.push(['making the wheels', (Date.now() - dataStart) / 1000]);
  if (ONLY) return onlyAzure(tools, info, started);

  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dirs.s3rver,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  log(`s3rver at ${endpoint}`);
  let results;
  try {
    const startup = await startupCost();
    const parkStart = Date.now();
    const populated = await populate(endpoint);
    timings.push(['parking the sets (post-build, once each)', (Date.now() - parkStart) / 1000]);
    const hashed = await hashing(tools);
    const s3 = await collectS3(tools, endpoint);
    const local = await collectLocal();
    const big = await postBuildBig();
    const scaled = await scaling(endpoint);
    // The sets' own directories (wheels and the sidecars post-build wrote beside them), listed by nginx.
    let http;
    if (tools.nginx) {
      const web = await startNginx(dirs.wheels, join(BENCH, 'nginx'));
      log(`nginx at ${web.endpoint}`);
      try {
        http = await collectHttp(tools, web);
      } finally {
        await web.stop();
      }
    }
    // Azure Blob Storage: Azurite in a child process of its own, started and stopped here.
    const blob = tools.azurite ? await azure(tools) : undefined;
    results = { startup, populated, hashed, s3, local, big, scaled, ...(http ? { http } : {}), ...(blob ? { azure: blob } : {}) };
  } finally {
    await server.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const figures = {
    quick: QUICK,
    reps: REPS,
    cores: CORES,
    date: new Date(started).toISOString(),
    seconds,
    sets: SETS.map(({ files, ...set }) => set),
    deflated: (({ files, ...set }) => set)(DEFLATED),
    scale: { counts: SCALE_COUNTS, size: SCALE_SIZE },
    notes: tools.notes,
    command: QUICK ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
    load: `load average ${loadStart.map((l) => l.toFixed(2)).join(', ')} at the start, ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} at the end (1, 5, 15 min)`,
    bundleSize: await staticBytes(CLI_COPY),
    quiet,
    timings,
    ...info,
    ...results,
  };
  // The raw figures stay (small) after the data goes: `node scripts/bench.mjs --render` rewrites the report from them.
  await writeFile(RESULTS, JSON.stringify(figures, null, 1));
  await writeFile(OUT, renderReport(figures, await readFile(OUT, 'utf8').catch(() => '')));
  log(`wrote ${rel(OUT)} and ${rel(RESULTS)} (${secs(seconds)} s in all)`);
  await cleanUp();
}

/**
 * BENCH_ONLY=azure: the Azure section alone, a check of it rather than a
 * report (the other sections' figures would be missing): its figures go to
 * results-azure.json, its Markdown to stdout; BENCHMARKS.md and results.json stay as they are.
 */
async function onlyAzure(tools, info, started) {
  if (!tools.azurite) throw new Error('BENCH_ONLY=azure: Azurite is not installed (npm ci installs the devDependency)');
  const blob = await azure(tools);
  const seconds = (Date.now() - started) / 1000;
  const figures = {
    only: ONLY,
    quick: QUICK,
    reps: REPS,
    cores: CORES,
    date: new Date(started).toISOString(),
    seconds,
    sets: SETS.map(({ files, ...set }) => set),
    notes: tools.notes,
    command: `${QUICK ? 'BENCH_QUICK=1 ' : ''}BENCH_ONLY=azure${ONLY_SETS ? ` BENCH_SETS=${ONLY_SETS.join(',')}` : ''} npm run bench`,
    quiet,
    timings,
    ...info,
    azure: blob,
  };
  const file = join(BENCH, 'results-azure.json');
  await writeFile(file, JSON.stringify(figures, null, 1));
  process.stdout.write(`${renderAzure(figures)}\n`);
  log(`wrote ${rel(file)} (${secs(seconds)} s in all); ${rel(OUT)} and ${rel(RESULTS)} are untouched (BENCH_ONLY)`);
  await cleanUp();
}

/** Removes the data (wheels, bucket, downloads), keeping results.json; all of it with BENCH_KEEP=1. */
async function cleanUp() {
  if (KEEP) {
    log(`kept the data in ${rel(BENCH)} (BENCH_KEEP=1)`);
    return;
  }
  for (const dir of [...Object.values(dirs), dirname(DIST_COPY)]) await rm(dir, { recursive: true, force: true });
}

/** `--render [results.json]`: the report again from saved figures (wording changes), nothing measured. */
async function render(file) {
  const figures = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(OUT, renderReport(figures, await readFile(OUT, 'utf8').catch(() => '')));
  log(`wrote ${rel(OUT)} from ${rel(file)}`);
}

const run_ = process.argv[2] === '--render' ? render(resolve(process.argv[3] ?? RESULTS)) : main();
run_.catch(async (error) => {
  log(`failed: ${error.stack ?? error}`);
  process.exitCode = 1;
  if (process.argv[2] !== '--render') await cleanUp();
});
