/**
 * The pool of worker threads (src/core/check-pool.ts): limits, reuse, workers
 * that die, what crosses between threads, the in-process fallback, and a
 * process that exits with its pool idle. The real worker is bundled here
 * with esbuild as scripts/build.mjs bundles it; a fake one (a few lines of
 * JavaScript speaking the same protocol) sleeps, exits, throws or runs out
 * of memory on demand.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckPool, type CheckTask, MANY_FILES, workerScript } from '../../src/core/check-pool.js';
import { ContentError } from '../../src/core/errors.js';
import { NotRegularFileError } from '../../src/core/files.js';
import { hashFile } from '../../src/core/hash.js';
import { SAMPLE_SDIST, SAMPLE_WHEEL, SAMPLES } from '../helpers/tmp.js';
import { lacks, NOT_POSIX, PYTHON } from '../helpers/tools.js';

const ROOT = resolve(import.meta.dirname, '../..');
const HELPERS = resolve(import.meta.dirname, '../helpers');
const WHEEL = 'wheel-0.43.0-py3-none-any.whl';
const BANNER = "import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);";

/** A worker speaking the pool's protocol, one task after another as the real one, doing what the task's file name says: sleep:MS, exit:CODE, throw, oom. */
const FAKE_WORKER = `
import { parentPort, threadId } from 'node:worker_threads';
let previous = Promise.resolve();
parentPort.on('message', (message) => { previous = previous.then(() => serve(message)); });
async function serve({ id, task }) {
  const [kind, arg] = task.fileName.split(':');
  if (kind === 'sleep') {
    const start = Date.now();
    await new Promise((done) => setTimeout(done, Number(arg)));
    parentPort.postMessage({ id, result: { size: 0, sha256: JSON.stringify({ threadId, start, end: Date.now() }) } });
  } else if (kind === 'exit') {
    process.exit(Number(arg));
  } else if (kind === 'throw') {
    setTimeout(() => { throw new Error('boom in the worker'); });
  } else if (kind === 'oom') {
    const kept = [];
    for (;;) kept.push(new Array(100000).fill(Math.random()));
  }
}
`;

let dir: string;
let fake: URL;
/** The real worker, bundled: <dir>/dist/worker/index.js. */
let real: URL;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wg-check-pool-'));
  fake = pathToFileURL(join(dir, 'fake-worker.mjs'));
  await writeFile(fake, FAKE_WORKER);
  await build({
    entryPoints: { 'worker/index': join(ROOT, 'src/worker/index.ts'), 'cli/index': join(dir, 'entry.ts') },
    stdin: undefined,
    outdir: join(dir, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: BANNER },
    logLevel: 'warning',
    plugins: [
      {
        // The entry of a bundle that uses the pool and never closes it: the process must still exit.
        name: 'entry',
        setup(b) {
          b.onResolve({ filter: /entry\.ts$/ }, (args) => ({ path: args.path, namespace: 'entry' }));
          b.onLoad({ filter: /.*/, namespace: 'entry' }, () => ({
            contents: `import { CheckPool } from ${JSON.stringify(join(ROOT, 'src/core/check-pool.ts'))};
const pool = new CheckPool();
const result = await pool.run({ path: process.argv[2], fileName: process.argv[3], hash: true, check: true, strict: false });
console.log(JSON.stringify({ threaded: pool.threaded, workers: pool.workers, sha256: result.sha256 }));`,
            loader: 'ts',
            resolveDir: ROOT,
          }));
        },
      },
    ],
  });
  real = pathToFileURL(join(dir, 'dist/worker/index.js'));
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

const task = (fileName: string, path = SAMPLE_WHEEL): CheckTask => ({ path, fileName, hash: true, check: true, strict: false });

/** The most intervals [start, end) that overlap at one time. */
function mostAtOnce(spans: { start: number; end: number }[]): number {
  const events = spans.flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, step] of events) most = Math.max(most, (now += step!));
  return most;
}

describe('CheckPool: threads', () => {
  it('starts no worker before the first file, runs at most `size` files at once, and reuses its workers across files', async () => {
    const pool = new CheckPool({ size: 2, script: fake });
    expect(pool.threaded).toBe(true);
    expect(pool.workers).toBe(0);
    const results = await Promise.all(Array.from({ length: 8 }, () => pool.run(task('sleep:60'))));
    const spans = results.map((r) => JSON.parse(r.sha256!) as { threadId: number; start: number; end: number });
    expect(mostAtOnce(spans)).toBe(2);
    expect(new Set(spans.map((s) => s.threadId)).size).toBe(2);
    expect(pool.workers).toBe(2);
    await pool.close();
    expect(pool.workers).toBe(0);
  });

  it('a few quick files are done by one worker; more start only once files wait for one', async () => {
    const patient = new CheckPool({ size: 2, script: fake, growAfterMs: 5_000 });
    const eager = new CheckPool({ size: 2, script: fake, growAfterMs: 20 });
    try {
      await Promise.all(Array.from({ length: 3 }, () => patient.run(task('sleep:5'))));
      expect(patient.workers).toBe(1);
      await Promise.all(Array.from({ length: 4 }, () => eager.run(task('sleep:150'))));
      expect(eager.workers).toBe(2);
    } finally {
      await Promise.all([patient.close(), eager.close()]);
    }
  });

  it.each([
    ['exits', 'exit:3', /worker thread checking it stopped \(exit code 3\)/],
    ['throws', 'throw', /worker thread checking it stopped \(boom in the worker\)/],
  ])('a worker that %s fails that file, not the run; the next file gets a new worker', async (_what, name, message) => {
    const pool = new CheckPool({ size: 1, script: fake });
    try {
      const first = JSON.parse((await pool.run(task('sleep:1'))).sha256!) as { threadId: number };
      await expect(pool.run(task(name))).rejects.toThrow(message);
      const after = JSON.parse((await pool.run(task('sleep:1'))).sha256!) as { threadId: number };
      expect(after.threadId).not.toBe(first.threadId);
    } finally {
      await pool.close();
    }
  });

  it('the file handed over next to a worker that dies goes to another worker', async () => {
    const pool = new CheckPool({ size: 1, script: fake });
    try {
      const dying = pool.run(task('exit:4')).catch((e: unknown) => e);
      const next = pool.run(task('sleep:1'));
      expect(String(await dying)).toMatch(/stopped \(exit code 4\)/);
      await expect(next).resolves.toMatchObject({ size: 0 });
    } finally {
      await pool.close();
    }
  });

  it('a worker out of memory fails that file only', async () => {
    const pool = new CheckPool({ size: 1, script: fake, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    try {
      await expect(pool.run(task('oom'))).rejects.toThrow(/worker thread checking it stopped \(.*memory/);
      await expect(pool.run(task('sleep:1'))).resolves.toMatchObject({ size: 0 });
    } finally {
      await pool.close();
    }
  });

  it('warm starts one worker before any file, and only one', async () => {
    const pool = new CheckPool({ size: 2, script: fake });
    pool.warm();
    pool.warm();
    expect(pool.workers).toBe(1);
    const first = JSON.parse((await pool.run(task('sleep:1'))).sha256!) as { threadId: number };
    const second = JSON.parse((await pool.run(task('sleep:1'))).sha256!) as { threadId: number };
    expect(second.threadId).toBe(first.threadId);
    expect(pool.workers).toBe(1);
    await pool.close();
    const local = new CheckPool({ script: null });
    local.warm();
    expect(local.workers).toBe(0);
  });

  it('warm(n) starts every worker at once for MANY_FILES per core or more, one for fewer; files then go to every worker without waiting', async () => {
    const few = new CheckPool({ size: 2, script: fake, growAfterMs: 5_000 });
    const many = new CheckPool({ size: 2, script: fake, growAfterMs: 5_000 });
    try {
      few.warm(2 * MANY_FILES - 1);
      expect(few.workers).toBe(1);
      many.warm(2 * MANY_FILES);
      expect(many.workers).toBe(2);
      // growAfterMs is 5 s: both workers run these at once only because warm(n) grew the pool.
      const spans = (await Promise.all(Array.from({ length: 4 }, () => many.run(task('sleep:100'))))).map((r) => JSON.parse(r.sha256!) as { threadId: number; start: number; end: number });
      expect(mostAtOnce(spans)).toBe(2);
      expect(many.capacity).toBe(4);
    } finally {
      await Promise.all([few.close(), many.close()]);
    }
  });

  it('close fails what is still queued, and what its workers hold, and ends the workers', async () => {
    const pool = new CheckPool({ size: 1, script: fake });
    const running = pool.run(task('sleep:5000')).catch((e: unknown) => e);
    // Handed over to the worker, next after the running one.
    const next = pool.run(task('sleep:1')).catch((e: unknown) => e);
    const queued = pool.run(task('sleep:1')).catch((e: unknown) => e);
    await new Promise((done) => setTimeout(done, 50));
    await pool.close();
    expect(String(await queued)).toContain('the check pool was closed');
    expect(String(await next)).toMatch(/stopped \(the run ended\)/);
    expect(String(await running)).toMatch(/stopped \(the run ended\)/);
    await expect(pool.run(task('sleep:1'))).rejects.toThrow('closed');
  });
});

describe('CheckPool: the real worker against this thread', () => {
  const pools = (): [CheckPool, CheckPool] => [new CheckPool({ size: 2, script: real }), new CheckPool({ script: null })];

  it.skipIf(lacks('python'))('the same digest, warnings and ContentError (its class, file, member, detail and message) from a worker as from this thread', async () => {
    const work = await mkdtemp(join(tmpdir(), 'wg-check-pool-'));
    try {
      const broken = join(work, WHEEL);
      execFileSync(PYTHON, [join(HELPERS, 'rewrite-wheel.py'), SAMPLE_WHEEL, broken, JSON.stringify({ set: { 'wheel/util.py': 'print("changed")\n' } })]);
      const odd = join(work, 'wheel-0.43.0-py2.py3-none-any.whl');
      await copyFile(SAMPLE_WHEEL, odd);
      const [threads, here] = pools();
      expect(threads.threaded).toBe(true);
      expect(here.threaded).toBe(false);
      try {
        const cases: CheckTask[] = [
          task(WHEEL),
          task(WHEEL, broken),
          task('wheel-0.43.0-py2.py3-none-any.whl', odd),
          { ...task('wheel-0.43.0-py2.py3-none-any.whl', odd), strict: true },
          task('wheel-guard-sample-1.0.0.tar.gz', SAMPLE_SDIST),
          task('not-a-distribution.txt'),
          { ...task(WHEEL), check: false },
          { ...task(WHEEL, broken), hash: false },
        ];
        for (const c of cases) {
          const [a, b] = await Promise.all([threads.run(c), here.run(c)]);
          expect(a).toEqual(b);
          if (b.contentError) {
            expect(a.contentError).toBeInstanceOf(ContentError);
            expect([a.contentError!.file, a.contentError!.member, a.contentError!.detail, a.contentError!.message]).toEqual([
              b.contentError.file,
              b.contentError.member,
              b.contentError.detail,
              b.contentError.message,
            ]);
          }
          if (c.hash) expect(a.sha256).toBe((await hashFile(c.path)).sha256);
        }
        const broke = await threads.run(task(WHEEL, broken));
        expect(broke.contentError!.member).toBe('wheel/util.py');
        const warned = await threads.run(task('wheel-0.43.0-py2.py3-none-any.whl', odd));
        expect(warned.warnings?.map((w) => w.member)).toEqual(['wheel-0.43.0.dist-info/WHEEL']);
      } finally {
        await Promise.all([threads.close(), here.close()]);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  // Making a symbolic link needs a privilege on Windows.
  it.skipIf(NOT_POSIX)('errors of the file system keep their code and syscall; a link refused as not a regular file stays a NotRegularFileError', async () => {
    const work = await mkdtemp(join(tmpdir(), 'wg-check-pool-'));
    const [threads] = pools();
    try {
      await expect(threads.run(task(WHEEL, join(SAMPLES, 'absent.whl')))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' });
      const link = join(work, WHEEL);
      await symlink(SAMPLE_WHEEL, link);
      const error = await threads.run({ ...task(WHEEL, link), regular: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotRegularFileError);
      expect((error as Error).message).toContain('symbolic link');
      // Followed when not asked to refuse links (post-build and verify open as they did).
      await expect(threads.run(task(WHEEL, link))).resolves.toMatchObject({ size: (await hashFile(SAMPLE_WHEEL)).size });
    } finally {
      await threads.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('CheckPool: finding the worker, and without one', () => {
  it('finds dist/worker/index.js from dist/<entry>/index.js and from dist/index.js; none from the TypeScript sources', async () => {
    const made = join(dir, 'layout', 'dist');
    await mkdir(join(made, 'worker'), { recursive: true });
    await writeFile(join(made, 'worker', 'index.js'), '');
    const expected = pathToFileURL(join(made, 'worker', 'index.js')).href;
    expect(workerScript(pathToFileURL(join(made, 'cli', 'index.js')).href)?.href).toBe(expected);
    expect(workerScript(pathToFileURL(join(made, 'index.js')).href)?.href).toBe(expected);
    expect(workerScript(pathToFileURL(join(ROOT, 'src/core/check-pool.ts')).href)).toBeUndefined();
    expect(workerScript()).toBeUndefined();
  });

  it('from the TypeScript sources the pool runs its tasks in this thread, at most `size` at once', async () => {
    const pool = new CheckPool({ size: 1 });
    expect(pool.threaded).toBe(false);
    const digest = await hashFile(SAMPLE_WHEEL);
    const results = await Promise.all([pool.run(task(WHEEL)), pool.run(task(WHEEL)), pool.run({ ...task(WHEEL), check: false })]);
    for (const result of results) expect(result).toEqual(digest);
    expect(pool.workers).toBe(0);
    await pool.close();
  });

  it('a bundle that leaves its pool idle, unclosed, still exits at once (idle workers keep no process alive)', () => {
    const started = Date.now();
    const run = spawnSync(process.execPath, [join(dir, 'dist/cli/index.js'), SAMPLE_WHEEL, WHEEL], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ threaded: true, workers: 1 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
