/**
 * Raw deflate inflated synchronously, piece by piece, into one buffer used
 * again and again: what zip-scan.ts inflates a wheel's members with.
 *
 * Node's public APIs either inflate a whole member at once
 * (zlib.inflateRawSync: a new zlib stream and a new output buffer per
 * member) or stream it on the thread pool (a new output buffer per 256 KiB).
 * On real wheels that made some 5 GB of buffers per 1.5 GB of wheels, and
 * V8 frees array buffers late (a scavenge once 32 MB of them are dead): each
 * worker thread held some 40 MB of dead output. This writes through the
 * handle under a zlib stream, as zlib.inflateRawSync itself does (its
 * `writeSync`), into one buffer per thread, and resets the stream for the
 * next member.
 *
 * Those are Node's internals: `Inflater.usable()` checks they are there and
 * inflate a known stream right before first use; where they are not,
 * zip-scan.ts inflates with the public APIs instead.
 */
import zlib from 'node:zlib';

/** The native handle under a zlib stream (node:zlib's own use of it). */
interface Handle {
  writeSync(flush: number, input: Buffer, inOffset: number, inLength: number, output: Buffer, outOffset: number, outLength: number): void;
}

/** Output per call of the handle: the buffer used again for every member of every file of this thread. */
const OUTPUT = 256 * 1024;
let output: Buffer | undefined;

/** One raw deflate stream at a time (reset for the next); output handed out valid only for the length of the call. */
export class Inflater {
  private readonly stream: zlib.InflateRaw;
  private readonly handle: Handle;
  private readonly state: Uint32Array;

  constructor() {
    this.stream = zlib.createInflateRaw();
    // An error destroys the stream, which then emits it: seen here, thrown from write.
    this.stream.on('error', () => undefined);
    const internals = this.stream as unknown as { _handle?: Handle; _writeState?: Uint32Array };
    if (typeof internals._handle?.writeSync !== 'function' || !(internals._writeState instanceof Uint32Array)) throw new Error("node:zlib's internals are not as expected");
    this.handle = internals._handle;
    this.state = internals._writeState;
  }

  /** Whether this Node's zlib has the internals, and they inflate right (checked once). */
  static usable(): boolean {
    usable ??= selfTest();
    return usable;
  }

  /** Whether it can take another stream (false after an error: make a new one). */
  get healthy(): boolean {
    return !this.stream.destroyed;
  }

  /** Starts a new deflate stream. */
  reset(): void {
    this.stream.reset();
  }

  /**
   * Inflates `input` (with `finish`, to the end of the deflate stream, which
   * must end there), handing each piece of output to `emit`, valid only
   * during that call. Returns how much of `input` the stream took: less
   * when the deflate stream ended before it. Throws zlib's error.
   */
  write(input: Buffer, finish: boolean, emit: (chunk: Buffer) => void): number {
    output ??= Buffer.allocUnsafe(OUTPUT);
    const flush = finish ? zlib.constants.Z_FINISH : zlib.constants.Z_NO_FLUSH;
    let offset = 0;
    let left = input.length;
    for (;;) {
      this.handle.writeSync(flush, input, offset, left, output, 0, OUTPUT);
      if (this.stream.destroyed) throw this.stream.errored ?? new Error('inflate failed');
      const outLeft = this.state[0]!;
      const inLeft = this.state[1]!;
      offset += left - inLeft;
      left = inLeft;
      if (outLeft < OUTPUT) emit(output.subarray(0, OUTPUT - outLeft));
      // The output buffer not filled: the input is used up, or the deflate stream ended.
      if (outLeft !== 0) return offset;
    }
  }

  /** Frees the zlib stream. */
  close(): void {
    this.stream.destroy();
  }
}

let usable: boolean | undefined;

/** Inflates a known stream in uneven pieces, and a cut one, as zlib.inflateRawSync does. */
function selfTest(): boolean {
  try {
    // Past the output buffer twice over, deflated fast: the check costs a worker some 2 ms at start.
    const text = Buffer.alloc(OUTPUT * 2 + 1000, 'wheel-guard checks RECORD ');
    text.writeUInt32LE(0xdeadbeef, OUTPUT);
    const deflated = zlib.deflateRawSync(text, { level: 1 });
    const inflater = new Inflater();
    const pieces: Buffer[] = [];
    const keep = (chunk: Buffer): void => void pieces.push(Buffer.from(chunk));
    let taken = inflater.write(deflated.subarray(0, 1000), false, keep);
    taken += inflater.write(deflated.subarray(1000), false, keep);
    taken += inflater.write(Buffer.alloc(0), true, keep);
    const right = taken === deflated.length && Buffer.concat(pieces).equals(text);
    inflater.reset();
    let cut = false;
    try {
      inflater.write(deflated.subarray(0, deflated.length - 10), true, () => undefined);
    } catch {
      cut = !inflater.healthy;
    }
    inflater.close();
    return right && cut;
  } catch {
    return false;
  }
}
