// What the content check costs, on a generated wheel (default 100 MB):
// - in one process (src/ bundled on the fly with esbuild): hashFile alone,
//   hashAndCheck (the hash and the check from one read of the file, in this
//   thread: the temporary bundle has no dist/worker/index.js beside it), and
//   hash then check one after the other;
// - whole CLI runs: `wheel-guard verify` with --check-contents false and true,
//   beside sha256sum and the CLI's own start-up.
// Runs are interleaved; prints the median of N runs of each, and the load
// average (the CLI's worker threads need free cores).
//
//   npm run build && node scripts/bench-contents.mjs [SIZE_BYTES] [RUNS]
//
// Uses dist/cli/index.js and __tests__/helpers/make-wheel.py (python3).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { build } from 'esbuild';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/cli/index.js');
const size = Number(process.argv[2] ?? 100_000_000);
const runs = Number(process.argv[3] ?? 5);

const dir = await mkdtemp(join(tmpdir(), 'wg-bench-contents-'));
try {
  const wheel = execFileSync('python3', [join(ROOT, '__tests__/helpers/make-wheel.py'), dir, 'big', '1.0', String(size)], { encoding: 'utf8' }).trim();
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(wheel)) hash.update(chunk);
  await writeFile(`${wheel}.sha256`, `${hash.digest('hex')}  ${basename(wheel)}\n`);

  // The library in this process: contents.ts and hash.ts bundled as build.mjs bundles them.
  const entry = join(dir, 'entry.ts');
  await writeFile(entry, `export { hashAndCheck, checkDistribution } from ${JSON.stringify(join(ROOT, 'src/core/contents.ts'))};\nexport { hashFile } from ${JSON.stringify(join(ROOT, 'src/core/hash.ts'))};\n`);
  await build({
    entryPoints: [entry],
    outfile: join(dir, 'lib.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const lib = await import(join(dir, 'lib.mjs'));
  const name = basename(wheel);
  // Wall time, and CPU time of every thread of this process (the worker's included).
  const cpu = new Map();
  const clock = async (label, fn) => {
    const start = process.hrtime.bigint();
    const used = process.cpuUsage();
    await fn();
    const { user, system } = process.cpuUsage(used);
    (cpu.get(label) ?? cpu.set(label, []).get(label)).push((user + system) / 1000);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const inProcess = [
    ['hashFile (sha256 alone)', () => lib.hashFile(wheel)],
    ['hashAndCheck (hash and check from one read)', async () => {
      if ((await lib.hashAndCheck(wheel, name, true)).contentError) throw new Error('the generated wheel failed its check');
    }],
    ['hashFile then checkDistribution (one thread)', async () => {
      await lib.hashFile(wheel);
      await lib.checkDistribution(wheel, name);
    }],
  ];

  const time = (command, args) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return ms;
  };
  const cases = [
    ['node start-up (wheel-guard --version)', process.execPath, [CLI, '--version']],
    ['sha256sum', 'sha256sum', [wheel]],
    ['verify --check-contents false', process.execPath, [CLI, 'verify', dir, '--check-contents', 'false']],
    ['verify --check-contents true', process.execPath, [CLI, 'verify', dir, '--check-contents', 'true']],
  ];
  time('cat', [wheel]); // into the page cache
  const load = [loadavg()[0]];
  const samples = new Map([...inProcess, ...cases].map(([label]) => [label, []]));
  // Interleaved, so a burst of load elsewhere hits every case alike.
  for (let i = 0; i < runs; i++) {
    for (const [label, fn] of inProcess) samples.get(label).push(await clock(label, fn));
    for (const [label, command, args] of cases) samples.get(label).push(time(command, args));
  }
  load.push(loadavg()[0]);
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const m = Object.fromEntries([...samples].map(([label, values]) => [label, median(values)]));
  // The fastest run: the nearest to an idle machine when something else competes for the cores.
  const best = Object.fromEntries([...samples].map(([label, values]) => [label, Math.min(...values)]));
  const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(0)}%`;

  const startup = m['node start-up (wheel-guard --version)'];
  const off = m['verify --check-contents false'];
  const on = m['verify --check-contents true'];
  const alone = m['hashFile (sha256 alone)'];
  console.log(`wheel: ${name}, ${(size / 1e6).toFixed(0)} MB payload stored; ${cpus().length} CPU(s), node ${process.version}; median of ${runs}; load average ${load.map((l) => l.toFixed(2)).join(' -> ')}`);
  console.log('');
  console.log('| case | median wall ms | vs hashing alone | best wall ms | vs best hashing alone | median CPU ms (all threads) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [label] of inProcess) {
    const base = label === 'hashFile (sha256 alone)';
    console.log(
      `| in-process: ${label} | ${m[label].toFixed(0)} | ${base ? '' : `+${pct(m[label], alone)}`} | ${best[label].toFixed(0)} | ${base ? '' : `+${pct(best[label], best['hashFile (sha256 alone)'])}`} | ${median(cpu.get(label)).toFixed(0)} |`,
    );
  }
  for (const [label] of cases) console.log(`| CLI: ${label} | ${m[label].toFixed(0)} | | ${best[label].toFixed(0)} | | |`);
  console.log('');
  console.log(`in-process: the content check adds ${pct(m['hashAndCheck (hash and check from one read)'], alone)} to hashing alone, median (target: under 30%)`);
  console.log(`CLI verify: the content check adds ${pct(on, off)} to the wall time, start-up included; ${pct(on - startup, off - startup)} without start-up`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
