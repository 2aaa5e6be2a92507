/**
 * The fixtures of issue 16 do what they claim: helpers/sigstore.ts signs
 * bundles that @sigstore/verify verifies under the stack's trusted root (and
 * not once a signature byte is flipped, nor under another stack's root);
 * helpers/attestations-api.ts answers as GitHub's attestations API does
 * (pagination Link, 404 when none, 401, queued failures, POST); and
 * helpers/github-oidc.ts lets the real @actions/attest, in a subprocess given
 * only environment variables, sign through a CONNECT proxy that never dials
 * out and store the bundle in the emulated API, for a public repository
 * (Sigstore public-good: Fulcio + Rekor) and a private one (GitHub's
 * instance: Fulcio + timestamp authority). github-oidc.ts makes its
 * certificates with the openssl command line: its tests skip without it,
 * unless WG_ALL_TOOLS=1.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type Signer, toSignedEntity, toTrustMaterial, Verifier, type VerificationPolicy } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAttestationsApi, type AttestationsApi } from '../helpers/attestations-api.js';
import { startGitHubOidc } from '../helpers/github-oidc.js';
import { expectedSan, type Flavor, GITHUB_ACTIONS_ISSUER, SLSA_PROVENANCE_V1, type SigstoreStack, startSigstore, unsignedJwt, type Workflow } from '../helpers/sigstore.js';
import { useTempDirs } from '../helpers/tmp.js';
import { lacks } from '../helpers/tools.js';
import { NODE } from './harness.js';

const tempDir = useTempDirs();
const WORKFLOW: Workflow = { repository: 'owner/repo', path: '.github/workflows/build.yml', ref: 'refs/tags/v1.0.0' };
const SAN = 'https://github.com/owner/repo/.github/workflows/build.yml@refs/tags/v1.0.0';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Verifies a bundle as gh does for the flavor's instance (a log entry and an SCT for public-good; a timestamp always). */
function verify(flavor: Flavor, root: Record<string, unknown>, json: Record<string, unknown>, policy?: VerificationPolicy): Signer {
  const logs = flavor === 'public-good' ? 1 : 0;
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { tlogThreshold: logs, ctlogThreshold: logs, timestampThreshold: 1 });
  return verifier.verify(toSignedEntity(bundleFromJSON(json)), policy);
}

/** The in-toto statement a bundle signs. */
function statementOf(bundle: Record<string, unknown>): { _type: string; subject: { name: string; digest: { sha256: string } }[]; predicateType: string; predicate: Record<string, unknown> } {
  const envelope = bundle.dsseEnvelope as { payload: string; payloadType: string };
  expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
}

/** A copy of a bundle with one byte of its DSSE signature flipped. */
function flipSignatureByte(bundle: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(bundle) as { dsseEnvelope: { signatures: { sig: string }[] } };
  const sig = Buffer.from(copy.dsseEnvelope.signatures[0]!.sig, 'base64');
  sig[sig.length - 5]! ^= 0x01;
  copy.dsseEnvelope.signatures[0]!.sig = sig.toString('base64');
  return copy as unknown as Record<string, unknown>;
}

/** A bundle-shaped object (not signed) whose statement names these digests: enough for the API, which stores without verifying. */
function fakeBundle(digests: string[], predicateType = SLSA_PROVENANCE_V1, marker = ''): Record<string, unknown> {
  const statement = { _type: 'https://in-toto.io/Statement/v1', subject: digests.map((d, i) => ({ name: `w${i}.whl`, digest: { sha256: d } })), predicateType, predicate: { marker } };
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    dsseEnvelope: { payload: Buffer.from(JSON.stringify(statement)).toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [] },
  };
}

/** One HTTP exchange on loopback, outside any proxy. */
function http(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const stacks = new Map<Flavor, SigstoreStack>();
beforeAll(async () => {
  for (const flavor of ['public-good', 'github'] as const) stacks.set(flavor, await startSigstore(flavor));
});
afterAll(async () => {
  await Promise.all([...stacks.values()].map((s) => s.stop()));
});

describe('helpers/sigstore.ts: a Sigstore instance on loopback and the real @sigstore/sign', () => {
  for (const flavor of ['public-good', 'github'] as const) {
    it(`${flavor}: the bundle verifies under the stack's trusted root, signed by the workflow as GitHub Actions' issuer`, async () => {
      const stack = stacks.get(flavor)!;
      const digest = sha256(`${flavor} wheel`);
      const bundle = await stack.sign({ subjects: [{ name: 'pkg-1.0-py3-none-any.whl', digest: { sha256: digest } }], workflow: WORKFLOW });

      const signer = verify(flavor, stack.trustedRoot, bundle, { subjectAlternativeName: SAN, extensions: { issuer: GITHUB_ACTIONS_ISSUER } });
      expect(signer.identity?.subjectAlternativeName).toBe(SAN);
      expect(expectedSan(WORKFLOW)).toBe(SAN);
      expect(signer.identity?.extensions?.issuer).toBe(GITHUB_ACTIONS_ISSUER);

      const statement = statementOf(bundle);
      expect(statement._type).toBe('https://in-toto.io/Statement/v1');
      expect(statement.subject).toEqual([{ name: 'pkg-1.0-py3-none-any.whl', digest: { sha256: digest } }]);
      expect(statement.predicateType).toBe(SLSA_PROVENANCE_V1);
      expect((statement.predicate.runDetails as { builder: { id: string } }).builder.id).toBe(SAN);

      const material = bundle.verificationMaterial as { tlogEntries: { inclusionPromise?: unknown; inclusionProof?: unknown; kindVersion: { kind: string } }[]; timestampVerificationData?: { rfc3161Timestamps?: unknown[] }; certificate?: unknown };
      expect(material.certificate).toBeDefined();
      if (flavor === 'public-good') {
        expect(material.tlogEntries).toHaveLength(1);
        expect(material.tlogEntries[0]!.kindVersion.kind).toBe('dsse');
        expect(material.tlogEntries[0]!.inclusionPromise).toBeDefined();
        expect(material.tlogEntries[0]!.inclusionProof).toBeDefined();
        expect(stack.log).toContain('rekor POST /api/v1/log/entries 201');
      } else {
        expect(material.tlogEntries ?? []).toEqual([]);
        expect(material.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
        expect(stack.log).toContain('tsa POST /api/v1/timestamp 201');
      }

      // The root lists exactly this stack's parts, as `gh attestation trusted-root` prints one.
      const root = stack.trustedRoot as { mediaType: string; tlogs: unknown[]; ctlogs: unknown[]; timestampAuthorities: unknown[]; certificateAuthorities: unknown[] };
      expect(root.mediaType).toBe('application/vnd.dev.sigstore.trustedroot+json;version=0.1');
      expect([root.certificateAuthorities.length, root.tlogs.length, root.ctlogs.length, root.timestampAuthorities.length]).toEqual(flavor === 'public-good' ? [1, 1, 1, 0] : [1, 0, 0, 1]);
      const file = join(await tempDir('wg-sigstore'), 'trusted-root.json');
      await stack.writeTrustedRoot(file);
      const written = JSON.parse(await readFile(file, 'utf8'));
      expect(written).toEqual(stack.trustedRoot);
      expect(verify(flavor, written, bundle).identity?.subjectAlternativeName).toBe(SAN);
    });

    it(`${flavor}: a flipped signature byte does not verify, nor does the bundle under the other stack's root`, async () => {
      const stack = stacks.get(flavor)!;
      const bundle = await stack.sign({ subjects: [{ name: 'x.whl', digest: { sha256: sha256('x') } }], workflow: WORKFLOW });
      expect(() => verify(flavor, stack.trustedRoot, bundle)).not.toThrow();
      // public-good: "signature verification failed" (or the log entry's copy differs); github: the timestamp is over the signature.
      expect(() => verify(flavor, stack.trustedRoot, flipSignatureByte(bundle))).toThrow(flavor === 'public-good' ? /signature/ : /timestamp|signature/);
      const other = await startSigstore(flavor);
      try {
        expect(() => verify(flavor, other.trustedRoot, bundle)).toThrow();
      } finally {
        await other.stop();
      }
      // Another workflow's identity is not the policy's.
      expect(() => verify(flavor, stack.trustedRoot, bundle, { subjectAlternativeName: SAN.replace('build.yml', 'other.yml') })).toThrow();
    });
  }

  it('Fulcio issues for GitHub Actions tokens only: another issuer is 401, no job_workflow_ref 400; other paths 404, GET 405', async () => {
    const stack = stacks.get('github')!;
    const request = (claims: Record<string, unknown>) =>
      JSON.stringify({ credentials: { oidcIdentityToken: unsignedJwt(claims) }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: 'x' }, proofOfPossession: 'x' } });
    expect((await http('POST', `${stack.fulcioURL}/api/v2/signingCert`, {}, request({ iss: 'https://accounts.google.com', job_workflow_ref: 'o/r/.github/workflows/a.yml@refs/heads/main' }))).status).toBe(401);
    expect((await http('POST', `${stack.fulcioURL}/api/v2/signingCert`, {}, request({ iss: GITHUB_ACTIONS_ISSUER, sub: 'x' }))).status).toBe(400);
    expect((await http('POST', `${stack.fulcioURL}/api/v1/timestamp`, {}, '{}')).status).toBe(404);
    expect((await http('GET', `${stack.fulcioURL}/api/v2/signingCert`)).status).toBe(405);
  });
});

describe('helpers/attestations-api.ts: the GitHub attestations REST API', () => {
  let api: AttestationsApi;
  beforeAll(async () => {
    api = await startAttestationsApi({ perPageMax: 100 });
  });
  afterAll(() => api.stop());
  const auth = () => ({ authorization: `Bearer ${api.token}`, accept: 'application/vnd.github+json' });
  const listUrl = (repo: string, digest: string, query = '') => `${api.url}/repos/${repo}/attestations/sha256:${digest}${query}`;

  it('lists the bundles stored for a digest, a signed one as it was added; pages of per_page linked by rel="next" until the last', async () => {
    const stack = stacks.get('public-good')!;
    const digest = sha256('paged');
    const signed = await stack.sign({ subjects: [{ name: 'a.whl', digest: { sha256: digest } }, { name: 'b.whl', digest: { sha256: sha256('b') } }], workflow: WORKFLOW });
    api.add('owner/repo', signed);
    for (let i = 1; i < 5; i++) api.add('owner/repo', fakeBundle([digest], SLSA_PROVENANCE_V1, String(i)));

    const seen: Record<string, unknown>[] = [];
    let url: string | undefined = listUrl('owner/repo', digest, '?per_page=2');
    const sizes: number[] = [];
    while (url) {
      const answer = await http('GET', url, auth());
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const body = answer.json() as { attestations: { bundle: Record<string, unknown>; repository_id: number; bundle_url: null }[] };
      sizes.push(body.attestations.length);
      for (const a of body.attestations) {
        expect(typeof a.repository_id).toBe('number');
        expect(a.bundle_url).toBeNull();
        seen.push(a.bundle);
      }
      const link = answer.headers.link as string | undefined;
      url = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
      if (url) expect(new URL(url).origin).toBe(api.url);
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen[0]).toEqual(signed);
    expect(verify('public-good', stack.trustedRoot, seen[0]!).identity?.subjectAlternativeName).toBe(SAN);
    expect(seen.slice(1).map((b) => (statementOf(b).predicate as { marker: string }).marker)).toEqual(['1', '2', '3', '4']);

    // The signed bundle is listed under its other subject too; owner, repository and hex without case.
    const other = await http('GET', listUrl('OWNER/Repo', sha256('b').toUpperCase()), auth());
    expect(other.status).toBe(200);
    expect(other.json().attestations).toHaveLength(1);
    expect(other.headers.link).toBeUndefined();
  });

  it('per_page: 30 by default, at most 100 (perPageMax)', async () => {
    const digest = sha256('many');
    for (let i = 0; i < 120; i++) api.add('owner/repo', fakeBundle([digest]));
    const first = await http('GET', listUrl('owner/repo', digest), auth());
    expect(first.json().attestations).toHaveLength(30);
    expect(first.headers.link).toMatch(/per_page=30&after=[^>]+>; rel="next"/);
    const capped = await http('GET', listUrl('owner/repo', digest, '?per_page=500'), auth());
    expect(capped.json().attestations).toHaveLength(100);
    const next = /<([^>]+)>;\s*rel="next"/.exec(String(capped.headers.link))![1]!;
    const last = await http('GET', next, auth());
    expect(last.json().attestations).toHaveLength(20);
    expect(String(last.headers.link ?? '')).not.toMatch(/rel="next"/);
  });

  it('add(repo, bundle, digests) stores even a bundle whose statement cannot be read, as it is', async () => {
    const digest = sha256('hostile');
    const hostile = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', messageSignature: { signature: 'AAAA' } };
    expect(() => api.add('owner/repo', hostile)).toThrow(/dsseEnvelope/);
    api.add('owner/repo', hostile, [digest.toUpperCase()]);
    expect((await http('GET', listUrl('owner/repo', digest), auth())).json().attestations).toEqual([{ bundle: hostile, repository_id: expect.any(Number), bundle_url: null }]);
  });

  it('404 Not Found when the repository holds none for the digest (another repository, another digest)', async () => {
    const digest = sha256('only in owner/repo');
    api.add('owner/repo', fakeBundle([digest]));
    for (const url of [listUrl('owner/other', digest), listUrl('owner/repo', sha256('never attested'))]) {
      const answer = await http('GET', url, auth());
      expect(answer.status).toBe(404);
      expect(answer.json()).toMatchObject({ message: 'Not Found' });
      expect(answer.json().documentation_url).toMatch(/^https:\/\/docs\.github\.com\//);
    }
  });

  it('401 Bad credentials for a wrong token or none; `token` is taken as well as `Bearer`', async () => {
    const digest = sha256('auth');
    api.add('owner/repo', fakeBundle([digest]));
    for (const headers of [{ authorization: 'Bearer ghs_wrong' }, {}] as Record<string, string>[]) {
      const answer = await http('GET', listUrl('owner/repo', digest), headers);
      expect(answer.status).toBe(401);
      expect(answer.json()).toMatchObject({ message: 'Bad credentials' });
    }
    expect((await http('GET', listUrl('owner/repo', digest), { authorization: `token ${api.token}` })).status).toBe(200);
    expect(api.requests.at(-2)!.method).toBe('GET');
    expect(api.requests.at(-2)!.authorization).toBeUndefined();
    expect(api.requests.at(-3)).toMatchObject({ method: 'GET', path: `/repos/owner/repo/attestations/sha256:${digest}`, authorization: 'Bearer ghs_wrong' });
  });

  it('fail(): the next GETs get the queued answers, once each, in order, whatever their path', async () => {
    const digest = sha256('flaky');
    api.add('owner/repo', fakeBundle([digest]));
    api.fail({ status: 502, body: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' } }, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } });
    const first = await http('GET', listUrl('owner/else', digest), auth());
    expect([first.status, first.headers['content-type'], first.text]).toEqual([502, 'text/html', '<html>Bad gateway</html>']);
    const second = await http('GET', listUrl('owner/repo', digest), {});
    expect([second.status, second.headers['x-ratelimit-remaining']]).toEqual([403, '0']);
    expect((await http('GET', listUrl('owner/repo', digest), auth())).status).toBe(200);
  });

  it('POST /repos/{owner}/{repo}/attestations stores the bundle: 201 {id}, in `created`, listed after', async () => {
    const digest = sha256('posted');
    const bundle = fakeBundle([digest]);
    const answer = await http('POST', `${api.url}/repos/owner/posted/attestations`, auth(), JSON.stringify({ bundle }));
    expect(answer.status).toBe(201);
    expect(typeof answer.json().id).toBe('number');
    expect(api.created.at(-1)).toEqual({ repo: 'owner/posted', bundle });
    expect((await http('GET', listUrl('owner/posted', digest), auth())).json().attestations[0].bundle).toEqual(bundle);
    expect((await http('POST', `${api.url}/repos/owner/posted/attestations`, auth(), '{"nope":1}')).status).toBe(422);
  });
});

/** The environment of a subprocess: this one's, without what a runner or a proxy would add, plus `extra`. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(GITHUB_|ACTIONS_|RUNNER_|INPUT_)|proxy$|^NODE_OPTIONS$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const ATTEST = `
import { attestProvenance } from '@actions/attest';
const result = await attestProvenance({ subjects: [{ name: 'x.whl', digest: { sha256: process.env.WG_DIGEST } }], token: process.env.WG_TOKEN });
process.stdout.write(JSON.stringify({ attestationID: result.attestationID, tlogID: result.tlogID ?? null }) + '\\n');
`;

function runNode(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(NODE, ['--input-type=module', '-e', script], { cwd: process.cwd(), env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(lacks('openssl'))('helpers/github-oidc.ts: the real @actions/attest signs on loopback through the proxy', () => {
  const cases = [
    { visibility: 'public', flavor: 'public-good', hosts: ['token.actions.githubusercontent.com:443', 'fulcio.sigstore.dev:443', 'rekor.sigstore.dev:443'] },
    { visibility: 'private', flavor: 'github', hosts: ['token.actions.githubusercontent.com:443', 'fulcio.githubapp.com:443', 'timestamp.githubapp.com:443'] },
  ] as const;
  for (const { visibility, flavor, hosts } of cases) {
    it(`a ${visibility} repository: attestProvenance stores a bundle that verifies under the ${flavor} stack's root with the workflow's SAN`, async () => {
      const stack = stacks.get(flavor)!;
      const api = await startAttestationsApi();
      const oidc = await startGitHubOidc({ sigstore: stack, workflow: WORKFLOW, visibility, apiUrl: api.url, dir: await tempDir('wg-oidc') });
      try {
        const digest = sha256(`attest ${visibility}`);
        const run = await runNode(ATTEST, childEnv({ ...oidc.env, WG_DIGEST: digest, WG_TOKEN: api.token }));
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        const result = JSON.parse(run.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1)!) as { attestationID: number; tlogID: string | null };

        expect(api.created).toHaveLength(1);
        const { repo, bundle } = api.created[0]!;
        expect(repo).toBe('owner/repo');
        expect(result.attestationID).toBeGreaterThan(0);
        expect(result.tlogID === null).toBe(flavor === 'github');
        const signer = verify(flavor, stack.trustedRoot, bundle, { subjectAlternativeName: SAN, extensions: { issuer: GITHUB_ACTIONS_ISSUER } });
        expect(signer.identity?.subjectAlternativeName).toBe(SAN);
        const statement = statementOf(bundle);
        expect(statement.subject).toEqual([{ name: 'x.whl', digest: { sha256: digest } }]);
        expect(statement.predicateType).toBe(SLSA_PROVENANCE_V1);
        expect((statement.predicate.runDetails as { builder: { id: string } }).builder.id).toBe(SAN);
        expect(() => verify(flavor, stack.trustedRoot, flipSignatureByte(bundle))).toThrow();

        const listed = await http('GET', `${api.url}/repos/owner/repo/attestations/sha256:${digest}`, { authorization: `Bearer ${api.token}` });
        expect(listed.json().attestations[0].bundle).toEqual(bundle);

        // Two ID tokens (audience nobody for the provenance's claims, sigstore for Fulcio), and only the expected hosts tunnelled.
        expect(oidc.tokensIssued).toBe(2);
        expect([...new Set(oidc.hosts)].sort()).toEqual([...hosts].sort());
        expect(oidc.refused).toEqual([]);
      } finally {
        await oidc.stop();
        await api.stop();
      }
    });
  }

  it('the proxy refuses (403) and records a CONNECT anywhere else; a stack of the other instance is refused up front', async () => {
    const dir = await tempDir('wg-oidc');
    await expect(startGitHubOidc({ sigstore: stacks.get('github')!, workflow: WORKFLOW, visibility: 'public', dir })).rejects.toThrow(/public-good/);
    const oidc = await startGitHubOidc({ sigstore: stacks.get('public-good')!, workflow: WORKFLOW, visibility: 'public', dir });
    try {
      const proxy = new URL(oidc.env.HTTPS_PROXY!);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(proxy.port), proxy.hostname, () => socket.write('CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 403 /);
      expect(oidc.hosts).toEqual(['pypi.org:443']);
      expect(oidc.refused).toEqual(['pypi.org:443']);
    } finally {
      await oidc.stop();
    }
  });
});
