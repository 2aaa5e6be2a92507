/** Streaming sha256: files are never read whole into memory. */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { dropped } from './heap.js';

/** A sha256 digest and the number of bytes it covers. */
export interface Digest {
  sha256: string;
  size: number;
}

/** A running sha256 and the number of bytes fed to it. */
export interface HashState {
  hash: Hash;
  size: number;
}

/**
 * A running sha256 and the bytes it covers, fed chunk by chunk. Start it
 * from a saved state to carry a hash across a resumed transfer.
 */
export class RunningHash {
  private readonly hash: Hash;
  /** Bytes hashed so far. */
  bytes: number;

  constructor(from?: HashState) {
    this.hash = from ? from.hash.copy() : createHash('sha256');
    this.bytes = from?.size ?? 0;
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  /** A copy of the running state, to resume from after a broken transfer. */
  snapshot(): HashState {
    return { hash: this.hash.copy(), size: this.bytes };
  }

  /** The digest so far (it may still be fed afterwards). */
  digest(): Digest {
    return { sha256: this.hash.copy().digest('hex'), size: this.bytes };
  }
}

/** A pass-through stream that counts what flows through it (an upload's progress). */
export class CountingStream extends Transform {
  /** Bytes passed so far. (Not `size`: @aws-sdk/lib-storage reads a body's `size` as its length.) */
  bytes = 0;

  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    done(null, chunk);
    // Passed on, and gone once the next stage has sent it.
    dropped(chunk.length);
  }
}

/** Feeds a stream to a new sha256 to its end and returns the running state. */
export async function hashState(stream: NodeJS.ReadableStream): Promise<HashState> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
    dropped(chunk.length);
  }
  return { hash, size };
}

/** sha256 of a stream, consumed to its end. */
export async function hashStream(stream: NodeJS.ReadableStream): Promise<Digest> {
  const { hash, size } = await hashState(stream);
  return { sha256: hash.digest('hex'), size };
}

/** sha256 of a local file, streamed. */
export function hashFile(file: string): Promise<Digest> {
  return hashStream(createReadStream(file));
}
