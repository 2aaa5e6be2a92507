/** Shared test helpers: real temporary directories, real sample wheels, real sha256sum. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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
    const dir = await mkdtemp(join(tmpdir(), `${label}-`));
    made.push(dir);
    return dir;
  };
}

/** Runs /usr/bin/sha256sum with `args` in `cwd`; returns stdout, stderr and status. */
export function sha256sum(args: string[], cwd: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync('/usr/bin/sha256sum', args, { cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}
