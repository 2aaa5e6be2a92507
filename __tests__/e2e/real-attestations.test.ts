/**
 * Real attestations of real wheels (GitHub's CLI's test data, see
 * __tests__/fixtures/real-attestations/README.md), through the collect
 * bundle: a public-good bundle (Fulcio, Rekor, CT log) verifies under
 * Sigstore's real trusted root, signed by a reusable workflow called at a
 * commit; a changed byte or another workflow is refused. Without
 * trusted-root, the default roots are fetched from the TUF repository the
 * certificate's issuer names (Sigstore's for `O=sigstore.dev`, GitHub's for
 * `O=GitHub, Inc.`): through a proxy on loopback that refuses every CONNECT,
 * so nothing leaves this machine and the run says where it could not go.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttestationsApi, startAttestationsApi } from '../helpers/attestations-api.js';
import { names, problems, ROOT, runAction, workspace } from './harness.js';

const FIXTURES = join(ROOT, '__tests__', 'fixtures', 'real-attestations');
const PUBLIC_GOOD = 'github_provenance_demo-0.0.0-py3-none-any.whl';
const GITHUB_INSTANCE = 'github_provenance_demo-0.0.12-py3-none-any.whl';
/** The reusable workflow that signed PUBLIC_GOOD's provenance, at the commit it was called at. */
const SIGNER = 'github/artifact-attestations-workflows/.github/workflows/attest.yml@09b495c3f12c7881b3cc17209a327792065c1a1d';

let api: AttestationsApi;
/** A proxy that refuses every CONNECT (and records where it was asked to go). */
let refusing: { server: Server; url: string; asked: string[] };

beforeAll(async () => {
  api = await startAttestationsApi();
  const bundle = async (wheel: string) => JSON.parse(await readFile(join(FIXTURES, `${wheel}.sigstore.json`), 'utf8'));
  api.add('github/artifact-attestations-workflows', await bundle(PUBLIC_GOOD));
  api.add('actions/attest-demo', await bundle(GITHUB_INSTANCE));
  const asked: string[] = [];
  const server = createServer((_req, res) => res.writeHead(403).end());
  server.on('connect', (req, socket) => {
    asked.push(String(req.url));
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address() as { port: number };
  refusing = { server, url: `http://127.0.0.1:${address.port}`, asked };
});

afterAll(async () => {
  await api?.stop();
  await new Promise((done) => refusing?.server.close(done));
});

/** A workspace whose directory container `parked` holds the real wheel and its sidecar. */
async function parked(wheel: string, bytes?: (data: Buffer) => Buffer): Promise<string> {
  const ws = await workspace();
  await mkdir(join(ws, 'parked'));
  let data: Buffer = await readFile(join(FIXTURES, wheel));
  if (bytes) data = bytes(data);
  await writeFile(join(ws, 'parked', wheel), data);
  await writeFile(join(ws, 'parked', `${wheel}.sha256`), `${createHash('sha256').update(data).digest('hex')}  ${wheel}\n`);
  return ws;
}

const collect = (ws: string, attestedBy: string, extra: Record<string, string> = {}, env: Record<string, string> = {}) =>
  runAction('collect', { container: 'parked', 'attested-by': attestedBy, 'github-token': api.token, retries: '0', ...extra }, ws, { GITHUB_API_URL: api.url, ...env });

describe('real attestations of real wheels', () => {
  it("a public-good bundle verifies under Sigstore's real trusted root: signed by a reusable workflow at a commit", async () => {
    const ws = await parked(PUBLIC_GOOD);
    const run = await collect(ws, SIGNER, { 'trusted-root': join(FIXTURES, 'public-good-trusted_root.json') });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${PUBLIC_GOOD.replace(/\./g, '\\.')}: attested by https://github\\.com/${SIGNER.replace(/\./g, '\\.')} \\(Rekor log index \\d+\\)`));
    expect(await names(join(ws, 'dist'))).toEqual([PUBLIC_GOOD]);
  });

  it('the same bundle for a wheel one byte off: refused (the API is asked for the other digest and has nothing)', async () => {
    const ws = await parked(PUBLIC_GOOD, (data) => {
      const copy = Buffer.from(data);
      copy[copy.length - 30]! ^= 0x01;
      return copy;
    });
    const run = await collect(ws, SIGNER, { 'trusted-root': join(FIXTURES, 'public-good-trusted_root.json'), 'check-contents': 'false' });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringContaining(`${PUBLIC_GOOD}: not attested: no attestation found in github/artifact-attestations-workflows for sha256:`)]);
  });

  it('another workflow, or another commit, is refused with the signer named', async () => {
    const ws = await parked(PUBLIC_GOOD);
    const root = { 'trusted-root': join(FIXTURES, 'public-good-trusted_root.json') };
    const other = await collect(ws, 'github/artifact-attestations-workflows/.github/workflows/attest.yml@0000000000000000000000000000000000000000', root);
    expect(problems(other)).toEqual([expect.stringContaining('signed by .github/workflows/attest.yml at 09b495c3f12c7881b3cc17209a327792065c1a1d, not at 0000000000000000000000000000000000000000')]);
    const workflow = await collect(ws, 'github/artifact-attestations-workflows/.github/workflows/release.yml', root);
    expect(problems(workflow)).toEqual([expect.stringContaining(`signed by another workflow: https://github.com/${SIGNER}`)]);
    expect(await names(join(ws, 'dist')).catch(() => [])).toEqual([]);
  });

  it("GitHub's instance's bundle under the public-good root alone: its signature does not verify there", async () => {
    const ws = await parked(GITHUB_INSTANCE);
    const run = await collect(ws, 'actions/attest-demo/.github/workflows/build-python.yml', { 'trusted-root': join(FIXTURES, 'public-good-trusted_root.json') });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${GITHUB_INSTANCE.replace(/\./g, '\\.')}: not attested: its one attestation in actions/attest-demo is not acceptable for .*: its signature does not verify \\(`))]);
  });

  it.each([
    [PUBLIC_GOOD, SIGNER, 'tuf-repo-cdn.sigstore.dev:443', "the Sigstore public-good instance's trusted root from https://tuf-repo-cdn.sigstore.dev"],
    [GITHUB_INSTANCE, 'actions/attest-demo/.github/workflows/build-python.yml', 'tuf-repo.github.com:443', "the GitHub Sigstore instance's trusted root from https://tuf-repo.github.com"],
  ])('without trusted-root, %s goes to the TUF repository its issuer names; unreachable, one error saying what to do', async (wheel, attestedBy, host, says) => {
    const ws = await parked(wheel);
    const before = refusing.asked.length;
    const proxy = { HTTPS_PROXY: refusing.url, https_proxy: refusing.url, HTTP_PROXY: refusing.url, http_proxy: refusing.url, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', RUNNER_TEMP: ws };
    const run = await collect(ws, attestedBy, {}, proxy);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringContaining(`attested-by: cannot get ${says} (`)]);
    expect(problems(run)[0]).toContain('give the trusted-root input a file made with `gh attestation trusted-root`');
    expect(refusing.asked.slice(before)).toContain(host);
    expect(refusing.asked.slice(before).every((asked) => asked === host)).toBe(true);
  });
});
