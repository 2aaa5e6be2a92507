import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { keepHeapSmall, YOUNG_MOST } from '../../src/core/heap.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

const silent = { stdout: { write: () => undefined, isTTY: false }, stderr: { write: () => undefined, isTTY: false } };

describe('main: beforeRun (bin/index.ts keeps the heap small there)', () => {
  it('is not called for --version, --help or a usage error', async () => {
    let calls = 0;
    const count = () => void calls++;
    await main(['--version'], silent, 'x', count);
    await main(['--help'], silent, 'x', count);
    await main(['nonsense'], silent, 'x', count);
    await main(['verify', '--no-such-flag'], silent, 'x', count);
    expect(calls).toBe(0);
  });

  it('is called once before a command runs', async () => {
    let calls = 0;
    const dir = await tempDir('wg-empty');
    await main(['verify', dir], silent, 'x', () => void calls++);
    expect(calls).toBe(1);
  });
});

describe('keepHeapSmall', () => {
  it('stops the young generation growing past YOUNG_MOST (one doubling late at most)', async () => {
    const young = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_size;
    // What the test runner grew it to before (the cap does not shrink it).
    const before = young();
    keepHeapSmall();
    keepHeapSmall();
    // Objects that survive a scavenge or two, as a run's requests do: what makes V8 grow it.
    let kept: object[] = [];
    let most = 0;
    for (let round = 0; round < 200; round++) {
      kept = kept.slice(-20_000);
      for (let i = 0; i < 20_000; i++) kept.push({ round, i, text: `file ${i}` });
      most = Math.max(most, young());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(most, `young generation before: ${before}`).toBeLessThanOrEqual(Math.max(before, 2 * YOUNG_MOST));
  });
});
