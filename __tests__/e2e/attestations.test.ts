/**
 * Issue 16 end to end, the bundles as the runner runs them: collect's (and
 * the CLI's) attested-by verifies real Sigstore bundles, made by the real
 * @sigstore/sign against Fulcio, Rekor and a timestamp authority on loopback
 * (helpers/sigstore.ts), served by an emulated GitHub attestations API
 * (helpers/attestations-api.ts), under trusted roots the test writes; and
 * post-build's attest: true makes them with the real @actions/attest through
 * an OIDC token service and a proxy that never dials out (helpers/github-oidc.ts,
 * whose certificates the openssl command line makes: those tests skip without
 * it, unless WG_ALL_TOOLS=1).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttestationsApi, startAttestationsApi } from '../helpers/attestations-api.js';
import { startGitHubOidc } from '../helpers/github-oidc.js';
import { type SigstoreStack, startSigstore, type Workflow } from '../helpers/sigstore.js';
import { lacks } from '../helpers/tools.js';
import { names, problems, runAction, runCli, SAMPLES, summaryText, WHEELS, workspace } from './harness.js';

const sha256Of = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

let publicGood: SigstoreStack;
let github: SigstoreStack;
let api: AttestationsApi;
let digests: Map<string, string>;
/** Files of trusted roots: the public-good stack's; both stacks' as JSON lines (what gh attestation trusted-root prints). */
let roots: { publicGood: string; both: string; github: string; dir: string };

beforeAll(async () => {
  [publicGood, github, api] = await Promise.all([startSigstore('public-good'), startSigstore('github'), startAttestationsApi()]);
  digests = new Map(await Promise.all(WHEELS.map(async (name) => [name, await sha256Of(join(SAMPLES, name))] as const)));
  const dir = await workspace();
  roots = { publicGood: join(dir, 'public-good.json'), github: join(dir, 'github.json'), both: join(dir, 'trusted_root.jsonl'), dir };
  await publicGood.writeTrustedRoot(roots.publicGood);
  await github.writeTrustedRoot(roots.github);
  await writeFile(roots.both, `${JSON.stringify(publicGood.trustedRoot)}\n${JSON.stringify(github.trustedRoot)}\n`);
});

afterAll(async () => {
  await Promise.all([publicGood?.stop(), github?.stop(), api?.stop()]);
});

/** The workflow of a test's own repository (each test its own: the API keeps what every test stored). */
const workflow = (repo: string, overrides: Partial<Workflow> = {}): Workflow => ({ repository: `octo-org/${repo}`, path: '.github/workflows/build.yml', ref: 'refs/tags/v1.0.0', ...overrides });

/** Signs one provenance attestation for these wheels (default: all) and stores it in the API under `repo`. */
async function attest(stack: SigstoreStack, repo: string, signer: Workflow, wheels: readonly string[] = WHEELS): Promise<Record<string, unknown>> {
  const bundle = await stack.sign({ subjects: wheels.map((name) => ({ name, digest: { sha256: digests.get(name)! } })), workflow: signer });
  api.add(`octo-org/${repo}`, bundle);
  return bundle;
}

/** A workspace whose wheels post-build parked in the directory container `parked`. */
async function parked(): Promise<string> {
  const ws = await workspace();
  const run = await runAction('post-build', { container: 'parked' }, ws);
  expect(run.errors).toEqual([]);
  return ws;
}

/** collect from `parked` into dist with attested-by. */
function collect(ws: string, attestedBy: string, extra: Record<string, string> = {}, env: Record<string, string> = {}) {
  return runAction(
    'collect',
    { container: 'parked', 'attested-by': attestedBy, 'trusted-root': roots.both, 'github-token': api.token, retries: '2', ...extra },
    ws,
    { GITHUB_API_URL: api.url, ...env },
  );
}

/** The wheels in ws/dist (none if collect never made it). */
const distOf = async (ws: string): Promise<string[]> => (await names(join(ws, 'dist')).catch(() => [])).filter((name) => name.endsWith('.whl'));

describe('collect attested-by (the bundle, real Sigstore bundles, the emulated attestations API)', () => {
  it('a good attestation (public repository: Fulcio, Rekor): every wheel placed, each said attested, the summary and commands say so', async () => {
    const ws = await parked();
    await attest(publicGood, 'good', workflow('good'));
    const before = api.requests.length;
    const run = await collect(ws, 'octo-org/good/.github/workflows/build.yml@refs/tags/v*');
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await distOf(ws)).toEqual(WHEELS);
    for (const name of WHEELS) {
      expect(run.stdout).toMatch(new RegExp(`${name.replace(/\./g, '\\.')}: attested by https://github\\.com/octo-org/good/\\.github/workflows/build\\.yml@refs/tags/v1\\.0\\.0 \\(Rekor log index \\d+\\)`));
    }
    // One lookup per wheel, by its digest, with the token.
    const asked = api.requests.slice(before).filter((r) => r.method === 'GET');
    expect(asked.map((r) => r.path.split('?')[0]).sort()).toEqual(WHEELS.map((name) => `/repos/octo-org/good/attestations/sha256:${digests.get(name)}`).sort());
    expect(asked.every((r) => r.authorization === `Bearer ${api.token}`)).toBe(true);
    // The token is masked, and nowhere else in the log.
    expect(run.stdout.split('\n').filter((line) => line.includes(api.token))).toEqual([`::add-mask::${api.token}`]);
    const summary = summaryText(run);
    expect(summary).toContain('Every file placed has a build provenance attestation signed by <code>octo-org/good/.github/workflows/build.yml@refs/tags/v*</code>');
    // The commands that check it again carry the same check (the pattern quoted for the shell).
    expect(summary).toContain(`--attested-by 'octo-org/good/.github/workflows/build.yml@refs/tags/v*' --trusted-root ${roots.both}`);
  });

  it("a private repository's attestation (GitHub's instance: Fulcio and a timestamp authority, no log) under the JSON-lines roots", async () => {
    const ws = await parked();
    await attest(github, 'private', workflow('private'));
    const run = await collect(ws, 'octo-org/private/.github/workflows/build.yml');
    expect(run.errors).toEqual([]);
    expect(await distOf(ws)).toEqual(WHEELS);
    expect(run.stdout).toContain(`${WHEELS[0]}: attested by https://github.com/octo-org/private/.github/workflows/build.yml@refs/tags/v1.0.0\n`);
  });

  it('no attestation: a problem per wheel naming it and its digest; nothing placed, and a copy an earlier run left in dist is removed', async () => {
    const ws = await parked();
    await mkdir(join(ws, 'dist'));
    await copyFile(join(SAMPLES, WHEELS[1]!), join(ws, 'dist', WHEELS[1]!));
    const run = await collect(ws, 'octo-org/none/.github/workflows/build.yml');
    expect(run.code).toBe(1);
    expect(problems(run).sort()).toEqual(
      WHEELS.map((name) => `${name}: not attested: no attestation found in octo-org/none for sha256:${digests.get(name)}; attest it in the build (actions/attest-build-provenance, or post-build's attest: true)`).sort(),
    );
    expect(await distOf(ws)).toEqual([]);
  });

  it('signed by another workflow, or at another ref: refused, saying which', async () => {
    const ws = await parked();
    await attest(publicGood, 'other', workflow('other', { path: '.github/workflows/release.yml' }), [WHEELS[0]!]);
    await attest(publicGood, 'other', workflow('other', { ref: 'refs/heads/main' }), [WHEELS[1]!]);
    await attest(publicGood, 'other', workflow('other'), [WHEELS[2]!]);
    const run = await collect(ws, 'octo-org/other/.github/workflows/build.yml@refs/tags/*');
    expect(run.code).toBe(1);
    expect(problems(run).sort()).toEqual([
      `${WHEELS[0]}: not attested: its one attestation in octo-org/other is not acceptable for octo-org/other/.github/workflows/build.yml@refs/tags/*: signed by another workflow: https://github.com/octo-org/other/.github/workflows/release.yml@refs/tags/v1.0.0`,
      `${WHEELS[1]}: not attested: its one attestation in octo-org/other is not acceptable for octo-org/other/.github/workflows/build.yml@refs/tags/*: signed by .github/workflows/build.yml at refs/heads/main, not at refs/tags/*`,
    ]);
    // The one attested by the right workflow at a tag is placed; the others are not.
    expect(await distOf(ws)).toEqual([WHEELS[2]]);
  });

  it('a tampered signature, and a bundle whose statement names another digest: refused, the first before anything it says is believed', async () => {
    const ws = await parked();
    const good = await publicGood.sign({ subjects: [{ name: WHEELS[0]!, digest: { sha256: digests.get(WHEELS[0]!)! } }], workflow: workflow('tampered') });
    const tampered = structuredClone(good) as { dsseEnvelope: { signatures: { sig: string }[] } };
    const sig = Buffer.from(tampered.dsseEnvelope.signatures[0]!.sig, 'base64');
    sig[sig.length - 3]! ^= 0x40;
    tampered.dsseEnvelope.signatures[0]!.sig = sig.toString('base64');
    api.add('octo-org/tampered', tampered as unknown as Record<string, unknown>);
    // Signed, but for another file's digest, and served (as a lying API would) under this wheel's.
    const other = await publicGood.sign({ subjects: [{ name: 'other.whl', digest: { sha256: 'ab'.repeat(32) } }], workflow: workflow('tampered') });
    api.add('octo-org/tampered', other, [digests.get(WHEELS[1]!)!]);
    const run = await collect(ws, 'octo-org/tampered/.github/workflows/build.yml', { pattern: `${WHEELS[0]}\n${WHEELS[1]}` });
    expect(run.code).toBe(1);
    const found = problems(run).sort();
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(new RegExp(`^${WHEELS[0]!.replace(/\./g, '\\.')}: not attested: its one attestation in octo-org/tampered is not acceptable for .*: its signature does not verify \\(`));
    expect(found[1]).toBe(
      `${WHEELS[1]}: not attested: its one attestation in octo-org/tampered is not acceptable for octo-org/tampered/.github/workflows/build.yml: its statement does not name this sha256 as a subject`,
    );
    expect(await distOf(ws)).toEqual([]);
  });

  it('several attestations, one acceptable: placed; roots that do not fit (the other instance alone): refused', async () => {
    const ws = await parked();
    await attest(publicGood, 'several', workflow('several', { path: '.github/workflows/nightly.yml' }));
    await attest(publicGood, 'several', workflow('several'));
    const run = await collect(ws, 'octo-org/several/.github/workflows/build.yml');
    expect(run.errors).toEqual([]);
    expect(await distOf(ws)).toEqual(WHEELS);
    const other = await parked();
    const refused = await collect(other, 'octo-org/several/.github/workflows/build.yml', { 'trusted-root': roots.github, pattern: WHEELS[0]! });
    expect(refused.code).toBe(1);
    expect(problems(refused)).toEqual([expect.stringMatching(/none of its 2 attestations in octo-org\/several is acceptable for .*: its signature does not verify/)]);
  });

  /** collect of WHEELS[0] from an API that gives one attestation a page, signed by these workflows in this order; the run and the GETs it made. */
  async function pagedCollect(paths: string[]) {
    const paged = await startAttestationsApi({ perPageMax: 1 });
    try {
      const ws = await parked();
      for (const path of paths) {
        paged.add('octo-org/paged', await publicGood.sign({ subjects: [{ name: WHEELS[0]!, digest: { sha256: digests.get(WHEELS[0]!)! } }], workflow: workflow('paged', { path }) }));
      }
      const run = await runAction(
        'collect',
        { container: 'parked', 'attested-by': 'octo-org/paged/.github/workflows/build.yml', 'trusted-root': roots.both, 'github-token': paged.token, pattern: WHEELS[0]! },
        ws,
        { GITHUB_API_URL: paged.url },
      );
      return { ws, run, gets: paged.requests.filter((r) => r.method === 'GET') };
    } finally {
      await paged.stop();
    }
  }

  it('pages: the acceptable attestation on the third page of an API that gives one a page is found by following Link rel="next"', async () => {
    const { ws, run, gets } = await pagedCollect(['.github/workflows/a.yml', '.github/workflows/b.yml', '.github/workflows/build.yml']);
    expect(run.errors).toEqual([]);
    expect(await distOf(ws)).toEqual([WHEELS[0]]);
    expect(gets).toHaveLength(3);
    expect(gets.slice(1).every((r) => /[?&]after=/.test(r.path))).toBe(true);
    // Judged a page at a time: with the acceptable one first, the first page is the only one asked for.
    const quick = await pagedCollect(['.github/workflows/build.yml', '.github/workflows/a.yml', '.github/workflows/b.yml']);
    expect(quick.run.errors).toEqual([]);
    expect(quick.gets).toHaveLength(1);
  });

  it('the API failing twice (502, 503) is retried; rate limited with Retry-After: 1 is waited for', async () => {
    const ws = await parked();
    await attest(publicGood, 'flaky', workflow('flaky'));
    api.fail({ status: 502 }, { status: 503 });
    const run = await collect(ws, 'octo-org/flaky/.github/workflows/build.yml', { concurrency: '1' });
    expect(run.errors).toEqual([]);
    expect(await distOf(ws)).toEqual(WHEELS);
    expect(run.stdout).toMatch(/the attestations of \S+ in octo-org\/flaky: attempt 2 after: the attestations of \S+ in octo-org\/flaky: the attestations API answered 502/);

    const limited = await parked();
    api.fail({ status: 429, headers: { 'retry-after': '1' }, body: '{"message":"API rate limit exceeded"}' });
    const before = api.requests.length;
    const again = await collect(limited, 'octo-org/flaky/.github/workflows/build.yml', { concurrency: '1' });
    expect(again.errors).toEqual([]);
    expect(again.stdout).toContain('the attestations API answered 429 (rate limited; it asks to wait 1 s; a github-token raises the limit)');
    const gets = api.requests.slice(before).filter((r) => r.method === 'GET');
    expect(gets[1]!.at - gets[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('an answer past 16 MiB is refused where it passes the cap, not read whole', async () => {
    const ws = await parked();
    api.fail({ status: 200, headers: { 'content-type': 'application/json' }, body: `{"attestations":[${'{"bundle":null},'.repeat(1_200_000)}{}]}` });
    const run = await collect(ws, 'octo-org/huge/.github/workflows/build.yml', { pattern: WHEELS[0]! });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([`${WHEELS[0]}: the attestations API's answer for the attestations of ${WHEELS[0]} in octo-org/huge is larger than 16 MiB: refused, not read further`]);
  });

  it('the API failing for good: the file fails with the answer named, after the retries', async () => {
    const ws = await parked();
    await attest(publicGood, 'down', workflow('down'));
    api.fail(...Array.from({ length: 3 }, () => ({ status: 500 })));
    const run = await collect(ws, 'octo-org/down/.github/workflows/build.yml', { retries: '2', pattern: WHEELS[0]! });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([`${WHEELS[0]}: the attestations of ${WHEELS[0]} in octo-org/down: the attestations API answered 500`]);
    expect(await distOf(ws)).toEqual([]);
  });

  it('a refused token: one error for the run, the token never shown', async () => {
    const ws = await parked();
    const run = await collect(ws, 'octo-org/good/.github/workflows/build.yml', { 'github-token': 'ghs_wrongtoken0123456789' });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual(['attested-by: the attestations API refused github-token (401) for octo-org/good; give a valid token (${{ github.token }} in a workflow, GITHUB_TOKEN on the command line)']);
    expect(run.stdout.split('\n').filter((line) => line.includes('ghs_wrongtoken0123456789'))).toEqual(['::add-mask::ghs_wrongtoken0123456789']);
    expect(await distOf(ws)).toEqual([]);
  });

  it('bad inputs are refused before any download: attested-by, trusted-root', async () => {
    const ws = await parked();
    const bad = await collect(ws, 'octo-org/good/build.yml');
    expect(bad.code).toBe(1);
    expect(bad.errors[0]).toContain('attested-by: ');
    expect(bad.errors[0]).toContain('names no workflow file under .github/workflows/');
    const missing = await collect(ws, 'octo-org/good/.github/workflows/build.yml', { 'trusted-root': 'nope.json' });
    expect(missing.code).toBe(1);
    expect(missing.errors[0]).toMatch(/^trusted-root: cannot read \S+nope\.json \(ENOENT\): give a Sigstore trusted root, e.g\. the output of `gh attestation trusted-root`$/);
    const alone = await runAction('collect', { container: 'parked', 'trusted-root': roots.both }, ws);
    expect(alone.errors[0]).toBe('trusted-root: only used with attested-by; set attested-by to the workflow that must have signed each wheel');
    expect(await distOf(ws)).toEqual([]);
  });

  it("without trusted-root, a certificate from neither Sigstore's public-good instance nor GitHub's is refused, naming its issuer", async () => {
    const ws = await parked();
    await attest(publicGood, 'defaults', workflow('defaults'), [WHEELS[0]!]);
    const run = await runAction(
      'collect',
      { container: 'parked', 'attested-by': 'octo-org/defaults/.github/workflows/build.yml', 'github-token': api.token, pattern: WHEELS[0]! },
      ws,
      { GITHUB_API_URL: api.url },
    );
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringContaining("its certificate was issued by sigstore.mock, neither Sigstore's public-good instance nor GitHub's")]);
  });
});

describe('the CLI: verify DIR and collect with --attested-by', () => {
  it('verify dist --attested-by checks a whole directory at once; a wheel attested by another workflow fails it with exit 1', async () => {
    const ws = await parked();
    await attest(publicGood, 'cli', workflow('cli'));
    const env = { GITHUB_API_URL: api.url, GITHUB_TOKEN: api.token };
    const collected = await runCli(['collect', '--container', 'parked', '--path', 'dist', '--attested-by', 'octo-org/cli/.github/workflows/build.yml', '--trusted-root', roots.both], ws, env);
    expect(collected.stderr).not.toContain('error');
    expect(collected.code).toBe(0);
    const ok = await runCli(['verify', 'dist', '--digests', 'SHA256SUMS', '--attested-by', 'octo-org/cli/.github/workflows/build.yml@refs/tags/v1.0.0', '--trusted-root', roots.both], ws, env);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`${WHEELS[2]}: attested by https://github.com/octo-org/cli/.github/workflows/build.yml@refs/tags/v1.0.0`);
    const wrong = await runCli(['verify', 'dist', '--digests', 'SHA256SUMS', '--attested-by', 'octo-org/cli/.github/workflows/release.yml', '--trusted-root', roots.both], ws, env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.match(/signed by another workflow/g)).toHaveLength(WHEELS.length);
    const usage = await runCli(['verify', 'dist', '--trusted-root', roots.both], ws, env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('trusted-root: only used with attested-by');
  });
});

describe('post-build attest: true (the real @actions/attest through loopback OIDC, Fulcio, Rekor or the TSA)', () => {
  it.skipIf(lacks('openssl')).each([
    ['public', 'public-good'],
    ['private', 'github'],
  ] as const)('a %s repository: one attestation of every parked wheel, its id and URL in the outputs and summary; collect attested-by takes them', async (visibility, flavor) => {
    const stack = flavor === 'public-good' ? publicGood : github;
    const repo = `attest-${visibility}`;
    const signer = workflow(repo);
    const ws = await workspace();
    const oidc = await startGitHubOidc({ sigstore: stack, workflow: signer, visibility, apiUrl: api.url, dir: ws });
    try {
      const created = api.created.length;
      const run = await runAction('post-build', { container: 'parked', attest: 'true', 'github-token': api.token }, ws, oidc.env);
      expect(run.errors).toEqual([]);
      expect(run.code).toBe(0);
      const stored = api.created.slice(created);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.repo.toLowerCase()).toBe(`octo-org/${repo}`);
      const statement = JSON.parse(Buffer.from((stored[0]!.bundle.dsseEnvelope as { payload: string }).payload, 'base64').toString('utf8'));
      expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
      expect(statement.subject.map((s: { name: string; digest: { sha256: string } }) => [s.name, s.digest.sha256]).sort()).toEqual(WHEELS.map((name) => [name, digests.get(name)]).sort());
      expect(run.outputs['attestation-id']).toMatch(/^\d+$/);
      expect(run.outputs['attestation-url']).toBe(`https://github.com/octo-org/${repo}/attestations/${run.outputs['attestation-id']}`);
      expect(summaryText(run)).toContain(`Build provenance attestation of 3 files: <a href="${run.outputs['attestation-url']}">`);
      // Signed through the instance the repository's visibility picks, and nothing else dialled.
      expect(oidc.refused).toEqual([]);
      expect([...new Set(oidc.hosts.map((host) => host.split(':')[0]))].sort()).toEqual(
        flavor === 'public-good' ? ['fulcio.sigstore.dev', 'rekor.sigstore.dev', 'token.actions.githubusercontent.com'] : ['fulcio.githubapp.com', 'timestamp.githubapp.com', 'token.actions.githubusercontent.com'],
      );
      const collected = await collect(ws, `octo-org/${repo}/.github/workflows/build.yml@refs/tags/*`);
      expect(collected.errors).toEqual([]);
      expect(await distOf(ws)).toEqual(WHEELS);
    } finally {
      await oidc.stop();
    }
  });

  it('without an OIDC token (no id-token: write): the wheels are parked, and the run fails saying which permissions attest needs', async () => {
    const ws = await workspace();
    const run = await runAction('post-build', { container: 'parked', attest: 'true', 'github-token': api.token }, ws, { GITHUB_REPOSITORY: 'octo-org/x', GITHUB_API_URL: api.url });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual(['attest: this job cannot get an OIDC token; give the job permissions id-token: write and attestations: write (attest runs in GitHub Actions only)']);
    expect(run.outputs['attestation-id']).toBe('');
    expect((await names(join(ws, 'parked'))).filter((name) => name.endsWith('.whl'))).toEqual(WHEELS);
  });
});
