/**
 * The provenance hand-off: the SHA256SUMS that collect writes (its
 * `sha256sums` output) given as `subject-checksums` to
 * actions/attest-build-provenance, read by that action's own parser
 * (helpers/attest-checksums.ts, copied from actions/attest at the commit the
 * action pins and at the newest): one subject per verified distribution,
 * named by its file name, with the sha256 collect verified.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atHead, atV410, MAX_SUBJECT_CHECKSUM_SIZE_BYTES, MAX_SUBJECT_COUNT } from '../helpers/attest-checksums.js';
import { runAction, SDIST, WHEELS, workspace } from './harness.js';

describe('sha256sums as subject-checksums of actions/attest-build-provenance', () => {
  it("collect's SHA256SUMS parses into exactly the verified files, by both versions of the action's parser", async () => {
    const ws = await workspace({ sdist: true });
    expect((await runAction('post-build', { container: 'parked', pattern: '*.whl\n*.tar.gz' }, ws)).code).toBe(0);
    const run = await runAction('collect', { container: 'parked', pattern: '*.whl\n*.tar.gz' }, ws);
    expect(run.errors).toEqual([]);
    const sums = run.outputs.sha256sums!;
    expect(sums).toBe(join(ws, 'SHA256SUMS'));
    const files = JSON.parse(run.outputs.files!) as { name: string; sha256: string }[];
    expect(files.map((f) => f.name).sort()).toEqual([...WHEELS, SDIST].sort());
    const expected = files.map((f) => ({ name: f.name, digest: { sha256: f.sha256 } })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const text = await readFile(sums, 'utf8');
    // The action pinned today (v4.1.0) splits on the runner's line ending: LF on Linux and macOS.
    expect(atV410(text, '\n')).toEqual(expected);
    expect(atHead(text)).toEqual(expected);
    expect((await stat(sums)).size).toBeLessThanOrEqual(MAX_SUBJECT_CHECKSUM_SIZE_BYTES);
    expect(expected.length).toBeLessThanOrEqual(MAX_SUBJECT_COUNT);
  });

  it('the file is what sha256sum prints, so the parser reads it whatever its version: digest, two spaces, the file name, LF', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', { container: 'parked' }, ws)).code).toBe(0);
    const run = await runAction('collect', { container: 'parked' }, ws);
    const lines = (await readFile(run.outputs.sha256sums!, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(line).toMatch(/^[0-9a-f]{64} {2}[^\s/\\]+\.whl$/);
  });
});
