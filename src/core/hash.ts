/** Streaming sha256: files are never read whole into memory. */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';

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

/**
 * A pass-through stream that hashes and counts what flows through it, so a
 * transfer and its verification are one pass over the bytes.
 */
export class HashingStream extends Transform {
  private readonly running: RunningHash;

  constructor(
    from?: HashState,
    private readonly onBytes?: (size: number) => void,
  ) {
    super();
    this.running = new RunningHash(from);
  }

  /** Bytes hashed so far. (Not `size`: @aws-sdk/lib-storage reads a body's `size` as its length.) */
  get bytes(): number {
    return this.running.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.running.update(chunk);
    this.onBytes?.(this.running.bytes);
    done(null, chunk);
  }

  snapshot(): HashState {
    return this.running.snapshot();
  }

  digest(): Digest {
    return this.running.digest();
  }
}

/** Feeds a stream to a new sha256 to its end and returns the running state. */
export async function hashState(stream: NodeJS.ReadableStream): Promise<HashState> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
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
