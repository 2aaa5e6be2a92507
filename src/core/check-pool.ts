/**
 * The one pool of worker threads that hashes and checks files, sized to the
 * machine's cores (`os.availableParallelism()`) and fed one file at a time:
 * post-build's hashing, verify, and collect's content check all go through
 * it, and the thread that runs the run only moves bytes and reports.
 *
 * Workers start when the first file comes (a run that checks nothing starts
 * none; more once files wait for one), serve file after file, and end with
 * the run (`close`); an idle worker never keeps the process alive. A worker that dies (a crash, out of
 * memory) fails the file it was reading, not the run: the next file gets a
 * new worker.
 *
 * The worker's code is its own small bundle, dist/worker/index.js
 * (src/worker/index.ts), found beside the bundle that runs. From the
 * TypeScript sources (the unit tests) there is none: the same code then
 * runs in this thread, with the same limit on files at once.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { type CheckResult, type CheckTask, type NamedCheckTask, runCheckTask } from './check-task.js';
import { type Answer, fromWire, fromWireError } from './check-wire.js';
import { messageOf } from './errors.js';
import { parseDistributionName } from './wheels.js';

export type { CheckResult, CheckTask } from './check-task.js';

/**
 * The worker bundle beside the running one: dist/worker/index.js, from
 * dist/<entry>/index.js or from dist/index.js. Undefined from the
 * TypeScript sources, where src/worker/index.js does not exist.
 */
export function workerScript(from: string = import.meta.url): URL | undefined {
  if (!from.startsWith('file:')) return undefined;
  const script = new URL(basename(dirname(fileURLToPath(from))) === 'dist' ? './worker/index.js' : '../worker/index.js', from);
  return existsSync(script) ? script : undefined;
}

/** How a pool is made. */
export interface CheckPoolOptions {
  /** Files at once (default: the machine's cores). */
  size?: number;
  /** The worker's script; null runs every task in this thread (default: the worker bundle, if there is one). */
  script?: URL | string | null;
  /** Each worker's heap (default: WORKER_LIMITS). */
  resourceLimits?: ResourceLimits;
  /** How long a file waits before more workers start (default: GROW_AFTER_MS). */
  growAfterMs?: number;
}

/**
 * Each worker's heap, sized by peak RSS on real wheels (2 workers, the same
 * CPU time every way): V8's default young generation (16 MiB semi-spaces)
 * peaked at 263 MB on 1.5 GB of wheels, 205 to 227 MB with 6 MB; without a
 * ceiling on the old generation (V8's default from the machine's memory, so
 * it grows lazily) 264 MB on 7.4 GB, 192 to 204 MB with 256 to 512 MB. A
 * wheel of 190,000 members (MAX_MEMBERS is 200,000) needs some 190 MB; a
 * worker out of memory fails its file, not the run.
 */
export const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 6, maxOldGenerationSizeMb: 512 };

/**
 * The first worker starts with the first file; more start once a file has
 * waited this long for one. A worker costs some 60 ms and 15 MB to start:
 * a few small files are done by one before a second would be ready.
 */
export const GROW_AFTER_MS = 100;

/** Files per core from which `warm` starts every worker at once (16 on 2 cores: some 60 ms of a second worker's start is then well spent). */
export const MANY_FILES = 8;

interface Job {
  id: number;
  task: NamedCheckTask;
  resolve: (result: CheckResult) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** The file it is on, then the one handed over next (at most HANDED_OVER in all). */
  jobs: Job[];
  /** Why it stopped, when it did ('error' comes before 'exit'). */
  failure?: unknown;
}

/**
 * Files a worker holds at once: the one it is on and the next, which it
 * starts the moment it is done (still one file at a time) instead of
 * waiting for this thread to answer and send one.
 */
const HANDED_OVER = 2;

/** Worker threads that hash and check one file each at a time (see the module's comment). */
export class CheckPool {
  readonly size: number;
  private readonly script: URL | string | undefined;
  private readonly resourceLimits: ResourceLimits;
  private readonly growAfterMs: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  /** Tasks running in this thread (without a worker script). */
  private local = 0;
  private nextId = 0;
  private closed = false;
  /** Whether files have waited for a worker: from then on, as many start as files wait (up to `size`). */
  private grown = false;
  private growth: NodeJS.Timeout | undefined;

  constructor(options: CheckPoolOptions = {}) {
    this.size = options.size ?? availableParallelism();
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`a pool needs at least one thread, got ${this.size}`);
    this.script = options.script === null ? undefined : (options.script ?? workerScript());
    this.resourceLimits = options.resourceLimits ?? WORKER_LIMITS;
    this.growAfterMs = options.growAfterMs ?? GROW_AFTER_MS;
  }

  /** Whether tasks run in worker threads (false: in this thread). */
  get threaded(): boolean {
    return this.script !== undefined;
  }

  /** Worker threads alive now. */
  get workers(): number {
    return this.slots.size;
  }

  /** Hashes and checks one file; waits for a free thread. */
  run(task: CheckTask): Promise<CheckResult> {
    if (this.closed) return Promise.reject(new Error('the check pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task: { ...task, parsed: task.check ? parseDistributionName(task.fileName) : undefined }, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Starts workers now, for a run that knows `files` are coming but has other
   * things to do first (listing, reading sidecars, downloading): their start
   * then overlaps that. One worker for a few files; every core's at once for
   * MANY_FILES per core or more, where waiting GROW_AFTER_MS for the second
   * would leave a core idle for the first tenth of a second of every run.
   */
  warm(files = 1): void {
    if (this.script === undefined || this.closed || files < 1) return;
    const wanted = files >= this.size * MANY_FILES ? this.size : 1;
    if (wanted === this.size) this.grown = true;
    while (this.slots.size < wanted) this.spawn(this.script).worker.unref();
  }

  /** Files the pool holds at once when every worker runs (each on one, with the next handed over): a caller keeps it fed by having that many under way. */
  get capacity(): number {
    return this.size * HANDED_OVER;
  }

  /** Ends every worker; a task still running fails, a queued one too. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.growth);
    for (const job of this.queue.splice(0)) job.reject(new Error('the check pool was closed'));
    await Promise.all([...this.slots].map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      if (this.script === undefined) {
        if (this.local >= this.size) return;
        const job = this.queue.shift()!;
        this.local++;
        runCheckTask(job.task)
          .then(job.resolve, job.reject)
          .finally(() => {
            this.local--;
            this.dispatch();
          });
        continue;
      }
      // A worker with nothing to do; else a new one (the first at once, more once files wait);
      // else, once every worker runs, the next file for one that is on a file.
      const slots = [...this.slots];
      let slot = slots.find((s) => s.jobs.length === 0);
      if (!slot && this.slots.size < this.size) {
        if (this.slots.size > 0 && !this.grown) {
          this.growth ??= setTimeout(() => {
            this.growth = undefined;
            this.grown = this.queue.length > 0;
            if (!this.closed) this.dispatch();
          }, this.growAfterMs).unref();
          return;
        }
        slot = this.spawn(this.script);
      }
      slot ??= slots.find((s) => s.jobs.length < HANDED_OVER);
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.jobs.push(job);
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, task: job.task });
    }
  }

  private spawn(script: URL | string): Slot {
    const worker = new Worker(script, { resourceLimits: this.resourceLimits });
    const slot: Slot = { worker, jobs: [] };
    this.slots.add(slot);
    worker.on('message', (answer: Answer) => {
      const at = slot.jobs.findIndex((job) => job.id === answer.id);
      if (at < 0) return;
      const [job] = slot.jobs.splice(at, 1);
      if ('error' in answer) job!.reject(fromWireError(answer.error));
      else job!.resolve(fromWire(answer.result));
      // Idle: it keeps no process alive.
      if (slot.jobs.length === 0) worker.unref();
      if (!this.closed) this.dispatch();
    });
    worker.on('error', (error: unknown) => {
      slot.failure = error;
    });
    worker.on('exit', (code: number) => {
      this.slots.delete(slot);
      const why = slot.failure !== undefined ? messageOf(slot.failure) : this.closed ? 'the run ended' : `exit code ${code}`;
      const stopped = (job: Job): void => job.reject(new Error(`the worker thread checking it stopped (${why}); nothing was concluded about this file`));
      // The file it was on fails; the one handed over next goes to another worker.
      const [current, ...next] = slot.jobs.splice(0);
      if (current) stopped(current);
      if (this.closed) next.forEach(stopped);
      else {
        this.queue.unshift(...next);
        this.dispatch();
      }
    });
    return slot;
  }
}

let shared: CheckPool | undefined;

/** A pool for callers that bring none (hashAndCheck's default); its idle workers keep no process alive. */
export function sharedCheckPool(): CheckPool {
  shared ??= new CheckPool();
  return shared;
}
