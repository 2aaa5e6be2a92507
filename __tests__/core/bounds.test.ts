import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { formatCap, LimitError, LimitStream, readBounded } from '../../src/core/bounds.js';
import { TransferError } from '../../src/core/errors.js';

/** A stream that never ends, counting what was pulled from it. */
function endless(pulled: { bytes: number }): Readable {
  return new Readable({
    read() {
      pulled.bytes += 1024;
      this.push(Buffer.alloc(1024, 0x30));
    },
  });
}

describe('readBounded', () => {
  it('reads a body within its cap whole', async () => {
    expect((await readBounded(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4, 'x')).toString()).toBe('abcd');
  });

  it('refuses an endless body soon after its cap, and stops pulling from it', async () => {
    const pulled = { bytes: 0 };
    const source = endless(pulled);
    await expect(readBounded(source, 4096, 'a.whl.sha256')).rejects.toThrow(new LimitError('a.whl.sha256 is larger than 4 KiB: refused, not read further'));
    expect(source.destroyed).toBe(true);
    expect(pulled.bytes).toBeLessThan(64 * 1024);
  });

  it('refuses a silent body after the idle time, as a transfer worth retrying', async () => {
    const silent = new Readable({ read() {} });
    const error = await readBounded(silent, 4096, 'a.whl.sha256', 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toBe('a.whl.sha256: no data for 0.05 s');
  });
});

describe('LimitStream', () => {
  it('passes a body up to its limit and fails at the first byte past it', async () => {
    const out: Buffer[] = [];
    await pipeline(Readable.from([Buffer.alloc(10)]), new LimitStream(10, () => new LimitError('over')), async (s) => {
      for await (const c of s) out.push(c as Buffer);
    });
    expect(Buffer.concat(out)).toHaveLength(10);
    await expect(
      pipeline(Readable.from([Buffer.alloc(10), Buffer.alloc(1)]), new LimitStream(10, (n) => new LimitError(`over at ${n}`)), async (s) => {
        for await (const c of s) void c;
      }),
    ).rejects.toThrow('over at 11');
  });

  it('formats caps in the units a person reads', () => {
    expect([formatCap(4096), formatCap(32 * 1024 * 1024), formatCap(1000)]).toEqual(['4 KiB', '32 MiB', '1000 bytes']);
  });
});
