/**
 * A light start (issue 13 item 3): what each committed entry bundle loads
 * before it does anything (the entry and the chunks it imports statically)
 * holds none of the packages only some runs need: the AWS SDK, the
 * artifact client (and archiver under it), the Azure SDK (the azure://
 * container, and under the artifact client), undici (under
 * @actions/http-client), the Sigstore verifier and @actions/attest. They sit in chunks of their own, loaded by
 * `import()` when a run opens such a container; the S3, Azure, artifact and
 * web e2e suites prove those chunks load from the bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticImports as staticGraph } from '../../scripts/static-imports.mjs';
import { ROOT } from './harness.js';

/** A name each package defines and wheel-guard's own code never spells. */
const HEAVY = {
  'the AWS SDK': 'S3ServiceException',
  '@actions/artifact': 'ArtifactServiceClientJSON',
  // (Not 'BlobClient': the azure:// container calls getBlobClient, and its own code is loaded at start.)
  'the Azure SDK': 'BlobLeaseClient',
  'undici (@actions/http-client)': 'ProxyAgent',
  // attested-by's verifier, and post-build attest's signer (with Octokit): loaded only by a run that asks.
  '@sigstore/verify': 'UNTRUSTED_SIGNER_ERROR',
  '@actions/attest': 'buildSLSAProvenancePredicate',
  "GitHub's TUF root": 'a10513a5ab61acd0c6b6fbe0504856ead18f3b17c4fabbe3fa848c79a5a187cf',
};

const ENTRIES = ['index.js', 'post-build/index.js', 'collect/index.js', 'cli/index.js', 'worker/index.js'];

describe('the committed bundles start light', () => {
  it.each(ENTRIES)('dist/%s loads none of the heavy packages before it runs, and under 1 MiB of code', (entry) => {
    const files = [...staticGraph(join(ROOT, 'dist', entry))];
    const code = files.map((file) => readFileSync(file, 'utf8')).join('\n');
    for (const [name, marker] of Object.entries(HEAVY)) expect(code.includes(marker), `${name} is loaded at start by dist/${entry}`).toBe(false);
    expect(code.length).toBeLessThan(1024 * 1024);
  });

  it('the heavy packages are in the bundle all the same, each in a chunk loaded on demand', () => {
    const chunks = [...staticGraph(join(ROOT, 'dist', 'cli', 'index.js'))];
    const dir = join(ROOT, 'dist', 'chunks');
    const every = readdirSync(dir).map((name) => join(dir, name));
    for (const [name, marker] of Object.entries(HEAVY)) {
      const holders = every.filter((file) => readFileSync(file, 'utf8').includes(marker));
      expect(holders.length, `${name} is missing from dist/chunks`).toBeGreaterThan(0);
      for (const holder of holders) expect(chunks).not.toContain(holder);
    }
  });
});
