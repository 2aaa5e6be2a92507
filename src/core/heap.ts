/**
 * Keeps the heap of the thread that runs a run from growing with the
 * number of files: what V8 grows there is garbage it collects late, not
 * live data (DEVELOPERS.md, "Memory with many wheels").
 *
 * The runner starts `node dist/<entry>/index.js` itself, so no V8 flag can
 * be given on its command line: the action's entries call `keepHeapSmall()`
 * first, the CLI once a command is about to run (not for --version).
 *
 * - The young generation stops growing at YOUNG_MOST: V8 doubles it each
 *   time enough objects survived scavenges, up to 64 MB on Node 24, and the
 *   dead Buffers of every 64 KiB stream read wait in it for the next
 *   scavenge (post-build of 1,000 wheels to a directory: 64 MB of young
 *   generation, 65 MB of dead array buffers). `--semi-space-growth-factor`
 *   is read each time V8 would grow it, so setting it to 1 at run time
 *   stops the growth there. Kept at its starting 2 MB, the main thread's
 *   scavenges took 1.7 s on 1,000 uploads to S3, against 0.43 s unbounded;
 *   stopped at 8 MB, some 0.57 s. The flag is process-wide: workers then stop
 *   growing theirs too (WORKER_LIMITS caps it anyway).
 * - A full collection once the heap has grown HEAP_STEP past what the last
 *   one left: the old generation otherwise fills with the AWS SDK's
 *   per-request objects (promoted, then dead) to some 50 MB before V8
 *   collects it, and V8 raises its limit after each collection. `gc` is
 *   not exposed without `--expose-gc`; that flag, set at run time, exposes
 *   it to a new context, and is cleared again at once.
 * - A scavenge every DROPPED_STEP of buffers a transfer let go (`dropped`):
 *   each socket read is a new 64 KiB buffer, and V8 frees dead ones only
 *   once their total passes its external-memory limit, some 64 MB: 1 GiB
 *   from S3 held 75 MB of them in the malloc heap, and paid a full
 *   collection every 19 MB besides (56 of them: 4.4 CPU s and 155 MB peak
 *   for collect --check-contents false, 2.4 s and 120 MB with a scavenge
 *   every 16 MB; 122 MB every 8 MB, 114 MB every 4 MB, CPU the same).
 */
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Growth of the heap (garbage, mostly) that starts a full collection. */
export const HEAP_STEP = 16 * 1024 * 1024;
/** The young generation's size (new space: two semi-spaces) past which it grows no further. */
export const YOUNG_MOST = 8 * 1024 * 1024;
/** How often the heap is looked at. */
const LOOK_MS = 100;

let started = false;

/** Buffers a transfer let go, in bytes, after which a scavenge frees them. */
export const DROPPED_STEP = 8 * 1024 * 1024;
let droppedBytes = 0;
/** A scavenge (V8's young-generation collection), once keepHeapSmall has exposed `gc`. */
let scavenge: (() => void) | undefined;

/**
 * Says a transfer just let go of `bytes` of buffers (a batch written, a
 * chunk hashed): every DROPPED_STEP of them, a scavenge frees them (see the
 * module's comment). Nothing before keepHeapSmall, or without `gc`.
 */
export function dropped(bytes: number): void {
  if (!scavenge) return;
  droppedBytes += bytes;
  if (droppedBytes < DROPPED_STEP) return;
  droppedBytes = 0;
  scavenge();
}

/** See the module's comment. Idempotent; the timer keeps no process alive. */
export function keepHeapSmall(): void {
  if (started) return;
  started = true;
  let gc: (() => void) | undefined;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
    const collect = gc as (options: { type: 'minor' | 'major' }) => void;
    scavenge = () => collect({ type: 'minor' });
  } catch {
    // A Node without it: the young generation's cap alone.
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  let capped = false;
  const capYoung = (): void => {
    if (capped || (getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0) < YOUNG_MOST) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    capped = true;
  };
  capYoung();
  let base = getHeapStatistics().used_heap_size;
  setInterval(() => {
    capYoung();
    if (typeof gc !== 'function' || getHeapStatistics().used_heap_size < base + HEAP_STEP) return;
    gc();
    base = getHeapStatistics().used_heap_size;
  }, LOOK_MS).unref();
}
