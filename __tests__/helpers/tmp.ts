/** Shared test helpers: real temporary directories, real sample wheels, real sha256sum. */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

/** The repository's committed sample distributions. */
export const SAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'samples');
export const SAMPLE_WHEEL = join(SAMPLES, 'wheel-0.43.0-py3-none-any.whl');
export const SAMPLE_SMALL_WHEEL = join(SAMPLES, 'wheel_guard_sample-1.0.0-py3-none-any.whl');
export const SAMPLE_EXAMPLE_WHEEL = join(SAMPLES, 'example-21.12-py3-none-any.whl');
export const SAMPLE_SDIST = join(SAMPLES, 'wheel-guard-sample-1.0.0.tar.gz');

/**
 * Registers an afterEach that removes every directory made by the returned
 * function; call it once at the top level of a test file.
 */
export function useTempDirs(): (label?: string) => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (label = 'wg-test') => {
    // Its real path: macOS's temporary directory (/var/folders/…) is a link to /private/var/…, which is
    // what the code under test sees through process.cwd() and realpath.
    const dir = await realpath(await mkdtemp(join(tmpdir(), `${label}-`)));
    made.push(dir);
    return dir;
  };
}

/**
 * Runs sha256sum with `args` in `cwd`; returns stdout, stderr and status.
 * tools.ts's, found on PATH as on every platform (a test calling it skips
 * with `lacks('sha256sum')` where the machine has none).
 */
export { sha256sum } from './tools.js';
