/**
 * What twine (Debian's, the uploader pypa/gh-action-pypi-publish runs) makes
 * of `path` after collect with every extra output on: only distributions
 * there, each one passing `twine check`. SHA256SUMS, the requirements file
 * and the index stay outside, where `twine upload dist/*` cannot pick them up.
 */
import { spawnSync } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lacks, sha256sumCheck, TWINE } from '../helpers/tools.js';
import { runAction, SDIST, workspace } from './harness.js';

// The shipped wheel_guard_sample wheel's description is not valid reStructuredText: twine check fails it (see the note).
const SAMPLE_WITH_BAD_DESCRIPTION = 'wheel_guard_sample-1.0.0-py3-none-any.whl';

describe('twine check on what collect leaves in path', () => {
  it.skipIf(lacks('twine', 'sha256sum'))('collect with sha256sums, requirements and index: dist/ holds the distributions only, and twine check passes each', async () => {
    expect(spawnSync(TWINE, ['--version']).status, `${TWINE} is missing: apt-get install twine`).toBe(0);
    const ws = await workspace({ sdist: true });
    await rm(join(ws, 'wheelhouse', SAMPLE_WITH_BAD_DESCRIPTION));
    const patterns = '*.whl\n*.tar.gz';
    expect((await runAction('post-build', { container: 'parked', pattern: patterns }, ws)).code).toBe(0);
    const run = await runAction('collect', { container: 'parked', pattern: patterns, requirements: 'requirements.txt', index: 'site' }, ws);
    expect(run.errors).toEqual([]);
    const files = (await readdir(join(ws, 'dist'))).sort();
    expect(files).toEqual(['example-21.12-py3-none-any.whl', 'wheel-0.43.0-py3-none-any.whl', SDIST].sort());
    // dist/NAME as a person types it: twine prints the argument back, and the match below wants the `/`.
    const check = spawnSync(TWINE, ['--no-color', 'check', ...files.map((f) => `dist/${f}`)], { cwd: ws, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.match(/^Checking dist\/\S+: PASSED/gm)).toHaveLength(files.length);
    // And a file beside them that is not a distribution is what twine refuses: the reason those outputs are kept out.
    const stray = spawnSync(TWINE, ['--no-color', 'check', join(ws, 'SHA256SUMS')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(stray.status).toBe(1);
    expect(stray.stdout + stray.stderr).toMatch(/InvalidDistribution: Unknown distribution format/);
    sha256sumCheck(join(ws, 'dist'), '--quiet', '../SHA256SUMS');
  });
});
