import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actionsIssuer,
  apiUrlFor,
  defaultTufOptions,
  getAttestationSettings,
  GITHUB_ACTIONS_ISSUER,
  identityProblem,
  loadTrustedRootFile,
  nextLink,
  parseAttestedBy,
  refMatches,
} from '../../src/core/attestations.js';
import { InputError } from '../../src/core/errors.js';
import { GITHUB_TUF_ROOT } from '../../src/core/github-tuf-root.js';

describe('parseAttestedBy', () => {
  it('reads OWNER/REPO/.github/workflows/FILE.yml, with or without a ref pattern or the server in front', () => {
    expect(parseAttestedBy('octo-org/octo-lib/.github/workflows/build.yml', 'attested-by')).toEqual({
      given: 'octo-org/octo-lib/.github/workflows/build.yml',
      owner: 'octo-org',
      repo: 'octo-lib',
      workflow: '.github/workflows/build.yml',
      server: 'https://github.com',
    });
    expect(parseAttestedBy('  octo-org/octo.lib/.github/workflows/sub/wheels.yaml@refs/tags/v*  ', 'attested-by')).toMatchObject({
      repo: 'octo.lib',
      workflow: '.github/workflows/sub/wheels.yaml',
      ref: 'refs/tags/v*',
    });
    expect(parseAttestedBy('https://github.com/o/r/.github/workflows/b.yml@refs/heads/main', 'attested-by')).toMatchObject({ owner: 'o', repo: 'r', ref: 'refs/heads/main' });
    // A reusable workflow called at a commit: its certificate names the commit.
    expect(parseAttestedBy(`o/r/.github/workflows/b.yml@${'ab'.repeat(20)}`, 'attested-by')).toMatchObject({ ref: 'ab'.repeat(20) });
    expect(parseAttestedBy('https://acme.ghe.com/o/r/.github/workflows/b.yml', 'attested-by', 'https://acme.ghe.com')).toMatchObject({ owner: 'o', server: 'https://acme.ghe.com' });
  });

  it.each([
    ['octo-org/octo-lib', 'names no workflow file'],
    ['octo-org/octo-lib/build.yml', 'names no workflow file'],
    ['octo-org/octo-lib/.github/workflows/build.sh', 'names no workflow file'],
    ['octo-org/octo-lib/.github/workflows/../secrets.yml', 'names no workflow file'],
    ['octo-org/.github/workflows/build.yml', 'names no workflow file'],
    ['-bad/r/.github/workflows/b.yml', 'does not start with OWNER/REPO'],
    ['o/../.github/workflows/b.yml', 'does not start with OWNER/REPO'],
    ['o/r/.github/workflows/b.yml@v1.0.0', 'must be a full ref'],
    ['o/r/.github/workflows/b.yml@09b495c', "or a commit's full hex digest"],
    ['o/r/.github/workflows/b.yml@refs/tags/v1 x', 'not a workflow'],
    ['o/r/.github/workflows/b.yml\n::error::forged', 'not a workflow'],
  ])('refuses %j: an input error saying what to write', (value, says) => {
    let error: unknown;
    try {
      parseAttestedBy(value, 'attested-by');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^attested-by: /);
    expect((error as Error).message).toContain(says);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('refMatches', () => {
  it('takes * for any run of characters, and nothing else as special', () => {
    expect(refMatches('refs/tags/*', 'refs/tags/v1.2.0')).toBe(true);
    expect(refMatches('refs/tags/*', 'refs/heads/main')).toBe(false);
    expect(refMatches('refs/tags/v1.*', 'refs/tags/v1.2.0')).toBe(true);
    expect(refMatches('refs/tags/v1.*', 'refs/tags/v12.0')).toBe(false);
    expect(refMatches('refs/tags/v1.0.0', 'refs/tags/v1x0x0')).toBe(false);
    expect(refMatches('refs/heads/main', 'refs/heads/main-old')).toBe(false);
  });
});

describe('identityProblem', () => {
  const by = parseAttestedBy('Octo-Org/Octo-Lib/.github/workflows/build.yml@refs/tags/v*', 'attested-by');
  const san = (rest: string) => `https://github.com/${rest}`;

  it('accepts the workflow at a matching ref, the owner and repository in any case', () => {
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('octo-org/octo-lib/.github/workflows/build.yml@refs/tags/v1.0.0'))).toBeUndefined();
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('OCTO-ORG/octo-LIB/.github/workflows/build.yml@refs/tags/v2'))).toBeUndefined();
  });

  it('refuses another issuer, another repository, another workflow, a look-alike, another ref', () => {
    expect(identityProblem(by, 'https://accounts.google.com', san('octo-org/octo-lib/.github/workflows/build.yml@refs/tags/v1'))).toContain('not GitHub Actions');
    expect(identityProblem(by, undefined, san('octo-org/octo-lib/.github/workflows/build.yml@refs/tags/v1'))).toContain('no OIDC issuer');
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('octo-org/octo-lib-fork/.github/workflows/build.yml@refs/tags/v1'))).toContain('another workflow');
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('evil/octo-lib/.github/workflows/build.yml@refs/tags/v1'))).toContain('another workflow');
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('octo-org/octo-lib/.github/workflows/release.yml@refs/tags/v1'))).toContain('another workflow');
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('octo-org/octo-lib/.github/workflows/build.yml.evil@refs/tags/v1'))).toContain('another workflow');
    // The workflow's file name is compared as GitHub stores it: exactly.
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('octo-org/octo-lib/.github/workflows/Build.yml@refs/tags/v1'))).toContain('another workflow');
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, 'https://github.com.evil.example/octo-org/octo-lib/.github/workflows/build.yml@refs/tags/v1')).toContain('another workflow');
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, san('octo-org/octo-lib/.github/workflows/build.yml@refs/heads/main'))).toBe(
      'signed by .github/workflows/build.yml at refs/heads/main, not at refs/tags/v*',
    );
    expect(identityProblem(by, GITHUB_ACTIONS_ISSUER, undefined)).toContain('no identity');
  });

  it('without a ref pattern, any ref of that workflow', () => {
    const any = parseAttestedBy('o/r/.github/workflows/b.yml', 'attested-by');
    expect(identityProblem(any, GITHUB_ACTIONS_ISSUER, san('o/r/.github/workflows/b.yml@refs/pull/7/merge'))).toBeUndefined();
  });

  it('a GHE.com tenant has its own issuer', () => {
    expect(actionsIssuer('https://github.com')).toBe(GITHUB_ACTIONS_ISSUER);
    expect(actionsIssuer('https://acme.ghe.com')).toBe('https://token.actions.acme.ghe.com');
    expect(apiUrlFor('https://github.com')).toBe('https://api.github.com');
    expect(apiUrlFor('https://acme.ghe.com')).toBe('https://api.acme.ghe.com');
  });
});

describe('nextLink', () => {
  it('follows rel="next" on the API origin only', () => {
    const origin = 'http://127.0.0.1:9';
    expect(nextLink('<http://127.0.0.1:9/repos/o/r/attestations/sha256:ab?per_page=100&after=X>; rel="next", <http://127.0.0.1:9/x>; rel="last"', origin)).toBe(
      'http://127.0.0.1:9/repos/o/r/attestations/sha256:ab?per_page=100&after=X',
    );
    expect(nextLink('<https://evil.example/steal>; rel="next"', origin)).toBeUndefined();
    expect(nextLink('<http://127.0.0.1:9/x>; rel="prev"', origin)).toBeUndefined();
    expect(nextLink(undefined, origin)).toBeUndefined();
  });
});

describe('settings from the inputs', () => {
  const common = { retries: 2, timeout: 7 };
  it('off without attested-by; trusted-root alone is an input error', () => {
    expect(getAttestationSettings({ attestedBy: '', trustedRoot: '', token: 't' }, common, '/w', {})).toBeUndefined();
    expect(() => getAttestationSettings({ attestedBy: '', trustedRoot: 'root.json', token: '' }, common, '/w', {})).toThrow(/trusted-root: only used with attested-by/);
  });
  it('the API from GITHUB_API_URL (else from the server), the trusted root resolved, the TUF cache under RUNNER_TEMP', () => {
    const settings = getAttestationSettings({ attestedBy: 'o/r/.github/workflows/b.yml', trustedRoot: 'root.jsonl', token: ' tok ' }, common, '/w', {
      GITHUB_API_URL: 'http://127.0.0.1:1234',
      RUNNER_TEMP: '/runner/tmp',
    });
    // The paths as the platform makes them (D:\w\root.jsonl and \runner\tmp\wheel-guard-tuf on Windows).
    expect(settings).toMatchObject({ apiUrl: 'http://127.0.0.1:1234', token: 'tok', trustedRoot: resolve('/w', 'root.jsonl'), retries: 2, timeoutMs: 7000, cacheDir: join('/runner/tmp', 'wheel-guard-tuf') });
    expect(getAttestationSettings({ attestedBy: 'o/r/.github/workflows/b.yml', trustedRoot: '', token: '' }, common, '/w', {})).toMatchObject({ apiUrl: 'https://api.github.com' });
    expect(getAttestationSettings({ attestedBy: 'o/r/.github/workflows/b.yml', trustedRoot: '', token: '' }, common, '/w', {})!.token).toBeUndefined();
  });
});

describe('the default trust roots', () => {
  it("GitHub's through its own TUF mirror, started from the root the GitHub CLI embeds; Sigstore's from @sigstore/tuf's own seed", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wg-tuf-'));
    const github = await defaultTufOptions('github', dir);
    expect(github.mirrorURL).toBe('https://tuf-repo.github.com');
    expect(github.cachePath).toBe(dir);
    const { readFile } = await import('node:fs/promises');
    const root = JSON.parse(await readFile(github.rootPath!, 'utf8'));
    expect(root).toEqual(GITHUB_TUF_ROOT);
    expect(root.signed._type).toBe('root');
    // Version 3 of the GitHub root needs three of its keys to sign the next one.
    expect(root.signed.roles.root.threshold).toBe(3);
    expect(root.signatures.filter((s: { sig: string }) => s.sig !== '').length).toBeGreaterThanOrEqual(3);
    expect(await defaultTufOptions('public-good', dir)).toEqual({ cachePath: dir });
  });
});

describe('loadTrustedRootFile', () => {
  const write = async (text: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'wg-root-'));
    await writeFile(join(dir, 'root.json'), text);
    return join(dir, 'root.json');
  };
  it.each([
    ['', 'is empty'],
    ['{"mediaType":"application/json"}', 'is not a Sigstore trusted root'],
    ['not json\n{}', 'line 1 is not JSON'],
    ['{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}', 'lists no certificate authority'],
  ])('refuses %j with an input error naming the file and how to make one', async (text, says) => {
    const file = await write(text);
    const error = await loadTrustedRootFile(file, 'trusted-root').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(`trusted-root: ${file}`);
    expect((error as Error).message).toContain(says);
    expect((error as Error).message).toContain('gh attestation trusted-root');
  });
  it('a missing file', async () => {
    await expect(loadTrustedRootFile('/nonexistent/root.json', 'trusted-root')).rejects.toThrow(/trusted-root: cannot read \/nonexistent\/root.json \(ENOENT\)/);
  });
});
