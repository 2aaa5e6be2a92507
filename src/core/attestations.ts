/**
 * attested-by: a wheel is taken only when GitHub's attestations API holds a
 * build provenance attestation for its sha256 that a given workflow signed.
 *
 * What `gh attestation verify --signer-workflow` checks, for every wheel of a
 * run: each Sigstore bundle the API returns for the digest is verified with
 * @sigstore/verify (the signature over the DSSE envelope, the certificate's
 * chain to a trusted Fulcio root, the transparency log entry or signed
 * timestamp that proves when it was signed); its in-toto statement must name
 * the wheel's sha256 as a subject and be SLSA build provenance; and the
 * certificate must have been issued by GitHub Actions' OIDC issuer to that
 * workflow file (and ref, when given). Nothing a bundle says is quoted before
 * its signature verified.
 *
 * Trust roots, as gh obtains them: Sigstore's public-good root and GitHub's own
 * (private repositories), each through its TUF repository (@sigstore/tuf),
 * loaded once per run; a bundle is judged under the one its certificate's
 * issuer names. The `trusted-root` input (a file: one trusted root, or the
 * JSON lines `gh attestation trusted-root` prints) replaces both.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import type { TrustMaterial, VerifierOptions } from '@sigstore/verify';
import { readBounded } from './bounds.js';
import { ContainerError, InputError, isRetryable, messageOf, TransferError, UnreachableError, WheelGuardError } from './errors.js';
import { exportsOf } from './modules.js';
import { retry, retryAfterMs } from './retry.js';
import { quote } from './untrusted.js';

/** The OIDC issuer of GitHub Actions on github.com: the certificate's issuer extension must be this. */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
/** The predicate type actions/attest-build-provenance (and post-build's attest) writes. */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENTS = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);
/** The issuers (the O= of the leaf certificate's issuer) of the two Sigstore instances GitHub uses. */
const PUBLIC_GOOD_ORG = 'sigstore.dev';
const GITHUB_ORG = 'GitHub, Inc.';

/** One page of the API's answer: 100 attestations of a few KiB each, with room to spare. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** Pages followed per digest (gh stops at 1,000 attestations too). */
const MAX_PAGES = 10;
/** A trusted-root file: a few roots of a few KiB each. */
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;
/** Reasons shown per wheel when several attestations were refused. */
const MAX_REASONS = 3;

/** The `attested-by` input, parsed: the workflow that must have signed each wheel's provenance. */
export interface AttestedBy {
  /** As given, for messages. */
  given: string;
  owner: string;
  repo: string;
  /** The workflow file inside the repository: `.github/workflows/build.yml`. */
  workflow: string;
  /** A ref pattern (`refs/tags/*`; `*` stands for any run of characters), or a commit's full hex digest. Any ref when absent. */
  ref?: string;
  /** The GitHub host the certificate's SAN must name: `https://github.com`. */
  server: string;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const WORKFLOW = /^\.github\/workflows\/[A-Za-z0-9._/-]+\.ya?ml$/;
/** A ref pattern (`refs/tags/v*`), or the commit a reusable workflow was called at (40 or 64 hex digits). */
const REF = /^(?:refs\/[A-Za-z0-9._/*+-]+|[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Reads `attested-by`: `OWNER/REPO/.github/workflows/FILE.yml`, optionally
 * `@refs/tags/*` (or any ref pattern), optionally after `https://github.com/`.
 */
export function parseAttestedBy(value: string, input: string, serverUrl: string = process.env.GITHUB_SERVER_URL || 'https://github.com'): AttestedBy {
  const given = value.trim();
  const fix = `write OWNER/REPO/.github/workflows/FILE.yml, optionally with @refs/tags/* or another ref (e.g. octo-org/octo-lib/.github/workflows/build.yml@refs/tags/v*)`;
  if (given.length > 512 || /[\s\x00-\x1f\x7f]/.test(given)) throw new InputError(`${input}: not a workflow: ${fix}`);
  let server: URL;
  try {
    server = new URL(serverUrl);
  } catch {
    throw new InputError(`GITHUB_SERVER_URL: ${quote(serverUrl)} is not a URL`);
  }
  let rest = given;
  const prefix = `${server.origin}/`;
  if (rest.toLowerCase().startsWith(prefix.toLowerCase())) rest = rest.slice(prefix.length);
  const at = rest.indexOf('@');
  const ref = at >= 0 ? rest.slice(at + 1) : undefined;
  const parts = (at >= 0 ? rest.slice(0, at) : rest).split('/');
  const [owner = '', repo = ''] = parts;
  const workflow = parts.slice(2).join('/');
  if (!OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..') throw new InputError(`${input}: ${quote(given)} does not start with OWNER/REPO: ${fix}`);
  if (!WORKFLOW.test(workflow) || workflow.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new InputError(`${input}: ${quote(given)} names no workflow file under .github/workflows/: ${fix}`);
  }
  if (ref !== undefined && !REF.test(ref)) {
    throw new InputError(`${input}: ${quote(given)}: the ref after @ must be a full ref such as refs/tags/v1.2.0, refs/tags/* or refs/heads/main, or a commit's full hex digest`);
  }
  return { given, owner, repo, workflow, ...(ref !== undefined ? { ref } : {}), server: server.origin };
}

/** The OIDC issuer of GitHub Actions for a GitHub host: github.com's, or a GHE.com tenant's. */
export function actionsIssuer(server: string): string {
  const host = new URL(server).hostname.toLowerCase();
  if (host === 'github.com') return GITHUB_ACTIONS_ISSUER;
  const tenant = /^([a-z0-9-]+)\.ghe\.com$/.exec(host);
  return tenant ? `https://token.actions.${tenant[1]}.ghe.com` : `https://token.actions.${host}`;
}

/** True when `ref` matches `pattern`, where `*` stands for any run of characters. */
export function refMatches(pattern: string, ref: string): boolean {
  const expression = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  return new RegExp(`^${expression}$`).test(ref);
}

/**
 * Judges a certificate's signer identity: issued by `issuer`, to the
 * workflow `attestedBy` names (owner and repository as GitHub compares them,
 * without case), at a ref the pattern takes. Undefined when it is; else why not.
 */
export function identityProblem(attestedBy: AttestedBy, issuer: string | undefined, san: string | undefined): string | undefined {
  const expectedIssuer = actionsIssuer(attestedBy.server);
  if (issuer !== expectedIssuer) return `its certificate was issued for ${quote(issuer ?? 'no OIDC issuer')}, not GitHub Actions (${expectedIssuer})`;
  const prefix = `${attestedBy.server}/${attestedBy.owner}/${attestedBy.repo}/`;
  const rest = san !== undefined && san.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase() ? san.slice(prefix.length) : undefined;
  const at = rest?.indexOf('@') ?? -1;
  if (rest === undefined || at < 0 || rest.slice(0, at) !== attestedBy.workflow) return `signed by another workflow: ${quote(san ?? 'no identity')}`;
  const ref = rest.slice(at + 1);
  if (attestedBy.ref !== undefined && !refMatches(attestedBy.ref, ref)) return `signed by ${attestedBy.workflow} at ${quote(ref)}, not at ${attestedBy.ref}`;
  return undefined;
}

/** A wheel without an acceptable attestation: a problem of the run, and the wheel stays out of `path`. */
export class AttestationError extends WheelGuardError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: not attested: ${reason}`);
  }
}

/** The attestations API refused the run itself (token, permissions): one error, not one per wheel. */
export class AttestationsApiError extends ContainerError {}

/** What an accepted attestation says, for the log. */
export interface Attested {
  /** The certificate's SAN: the workflow and ref that signed. */
  signer: string;
  /** The Rekor log index, when the bundle was logged there (public repositories). */
  logIndex?: string;
}

/** The log line of an accepted wheel. */
export function attestedLine(file: string, attested: Attested): string {
  return `${file}: attested by ${attested.signer}${attested.logIndex !== undefined ? ` (Rekor log index ${attested.logIndex})` : ''}`;
}

export interface AttestationSettings {
  attestedBy: AttestedBy;
  /** The REST API's root: GITHUB_API_URL, else api.github.com. */
  apiUrl: string;
  token?: string;
  /** The `trusted-root` input: a file replacing the TUF-obtained roots. */
  trustedRoot?: string;
  retries: number;
  timeoutMs: number;
  /** Where the TUF metadata is cached; @sigstore/tuf's own default when absent. */
  cacheDir?: string;
  onRetry?: (what: string, error: unknown, attempt: number) => void;
}

/** The REST API root for a GitHub host. */
export function apiUrlFor(server: string): string {
  const host = new URL(server).hostname.toLowerCase();
  return host === 'github.com' ? 'https://api.github.com' : `https://api.${host}`;
}

/** A verifier for one trusted root, with the thresholds gh uses for it. */
interface Root {
  material: TrustMaterial;
  options: VerifierOptions;
}

type SigstoreModules = {
  verify: typeof import('@sigstore/verify');
  bundle: typeof import('@sigstore/bundle');
  specs: typeof import('@sigstore/protobuf-specs');
};

/** The verifier libraries, loaded on first use: a run without attested-by never parses them. */
async function sigstore(): Promise<SigstoreModules> {
  const [verify, bundle, specs] = await Promise.all([import('@sigstore/verify'), import('@sigstore/bundle'), import('@sigstore/protobuf-specs')]);
  return {
    verify: exportsOf(verify, 'Verifier'),
    bundle: exportsOf(bundle, 'bundleFromJSON'),
    specs: exportsOf(specs, 'TrustedRoot'),
  };
}

/** Verifier thresholds for a root known only by its contents (gh's "custom" verifier): a timestamp always, a log entry if it lists logs. */
function customOptions(root: TrustedRoot): VerifierOptions {
  return { timestampThreshold: 1, tlogThreshold: root.tlogs.length > 0 ? 1 : 0, ctlogThreshold: root.ctlogs.length > 0 ? 1 : 0 };
}

/** Reads the `trusted-root` file: one TrustedRoot JSON document, or JSON lines of them. */
export async function loadTrustedRootFile(file: string, input: string): Promise<TrustedRoot[]> {
  const fix = 'give a Sigstore trusted root, e.g. the output of `gh attestation trusted-root`';
  let text: string;
  try {
    if ((await stat(file)).size > MAX_TRUSTED_ROOT_BYTES) throw new InputError(`${input}: ${file} is larger than 4 MiB: ${fix}`);
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${input}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}): ${fix}`);
  }
  const { specs } = await sigstore();
  const documents: unknown[] = [];
  try {
    documents.push(JSON.parse(text));
  } catch {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    for (const [index, line] of lines.entries()) {
      try {
        documents.push(JSON.parse(line));
      } catch {
        throw new InputError(`${input}: ${file} line ${index + 1} is not JSON: ${fix}`);
      }
    }
  }
  const roots = documents.map((document, index) => {
    const where = documents.length > 1 ? `${file} line ${index + 1}` : file;
    if (typeof document !== 'object' || document === null || !String((document as { mediaType?: unknown }).mediaType ?? '').startsWith('application/vnd.dev.sigstore.trustedroot')) {
      throw new InputError(`${input}: ${where} is not a Sigstore trusted root (no mediaType application/vnd.dev.sigstore.trustedroot+json): ${fix}`);
    }
    try {
      return specs.TrustedRoot.fromJSON(document);
    } catch (error: unknown) {
      throw new InputError(`${input}: ${where}: ${messageOf(error)}: ${fix}`);
    }
  });
  if (roots.length === 0) throw new InputError(`${input}: ${file} is empty: ${fix}`);
  if (roots.every((root) => root.certificateAuthorities.length === 0)) throw new InputError(`${input}: ${file} lists no certificate authority: ${fix}`);
  return roots;
}

/** The TUF settings of the two default roots: mirror, embedded root (GitHub's; @sigstore/tuf carries Sigstore's), cache. */
export async function defaultTufOptions(which: 'public-good' | 'github', cacheDir: string | undefined): Promise<{ mirrorURL?: string; rootPath?: string; cachePath?: string }> {
  const cachePath = cacheDir ? resolve(cacheDir) : undefined;
  if (which === 'public-good') return cachePath ? { cachePath } : {};
  const { GITHUB_TUF_MIRROR, GITHUB_TUF_ROOT } = await import('./github-tuf-root.js');
  const dir = cachePath ?? join(tmpdir(), 'wheel-guard-tuf');
  await mkdir(dir, { recursive: true });
  const rootPath = join(dir, 'tuf-repo.github.com-root.json');
  await writeFile(rootPath, JSON.stringify(GITHUB_TUF_ROOT));
  return { mirrorURL: GITHUB_TUF_MIRROR, rootPath, ...(cachePath ? { cachePath } : {}) };
}

/** An answer of the API read whole (bounded), with what the retry needs to know. */
interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** Checks wheels' attestations for one run: roots and HTTP client made once, bundles fetched per digest. */
export class Attestations {
  private modules?: Promise<SigstoreModules>;
  private custom?: Promise<Root[]>;
  private readonly defaults = new Map<string, Promise<Root>>();
  private client?: Promise<import('@actions/http-client').HttpClient>;

  constructor(readonly settings: AttestationSettings) {}

  /** Reads the trusted-root file now, so a bad one is an input error before any download. */
  async prepare(): Promise<void> {
    if (this.settings.trustedRoot) await this.customRoots();
  }

  private libs(): Promise<SigstoreModules> {
    return (this.modules ??= sigstore());
  }

  private customRoots(): Promise<Root[]> {
    return (this.custom ??= (async () => {
      const { verify } = await this.libs();
      const roots = await loadTrustedRootFile(this.settings.trustedRoot!, 'trusted-root');
      return roots.map((root) => ({ material: verify.toTrustMaterial(root), options: customOptions(root) }));
    })());
  }

  /** A default root, fetched through its TUF repository once per run. */
  private defaultRoot(which: 'public-good' | 'github'): Promise<Root> {
    let root = this.defaults.get(which);
    if (!root) {
      root = (async () => {
        const { verify } = await this.libs();
        const { getTrustedRoot } = exportsOf(await import('@sigstore/tuf'), 'getTrustedRoot');
        const options = await defaultTufOptions(which, this.settings.cacheDir);
        let trusted: TrustedRoot;
        try {
          trusted = await getTrustedRoot({ ...options, timeout: this.settings.timeoutMs, retry: { retries: this.settings.retries } });
        } catch (error: unknown) {
          const mirror = options.mirrorURL ?? 'https://tuf-repo-cdn.sigstore.dev';
          throw new AttestationsApiError(
            `attested-by: cannot get the ${which === 'github' ? "GitHub Sigstore instance's" : "Sigstore public-good instance's"} trusted root from ${mirror} (${messageOf(error)}); ` +
              'check the network and HTTPS_PROXY, or give the trusted-root input a file made with `gh attestation trusted-root`',
            { cause: error },
          );
        }
        // As gh: GitHub's instance proves the time with a signed timestamp; public-good with Rekor and an SCT too.
        const logs = which === 'github' ? 0 : 1;
        return { material: verify.toTrustMaterial(trusted), options: { timestampThreshold: 1, tlogThreshold: logs, ctlogThreshold: logs } };
      })();
      // A failure is not kept: the next wheel tries again (and says the same if it fails the same).
      root.catch(() => this.defaults.delete(which));
      this.defaults.set(which, root);
    }
    return root;
  }

  /** The roots to verify a bundle under: the trusted-root file's, else the default one its certificate's issuer names. */
  private async rootsFor(leaf: Uint8Array): Promise<Root[] | string> {
    if (this.settings.trustedRoot) return this.customRoots();
    let org: string | undefined;
    try {
      // Node escapes a comma in a name (O=GitHub\, Inc.): unescaped before it is compared, or GitHub's instance is never recognised.
      org = /^O=(.*)$/m.exec(new X509Certificate(leaf).issuer)?.[1]?.replace(/\\(.)/g, '$1');
    } catch {
      return 'its certificate cannot be read';
    }
    if (org === PUBLIC_GOOD_ORG) return [await this.defaultRoot('public-good')];
    if (org === GITHUB_ORG) return [await this.defaultRoot('github')];
    return `its certificate was issued by ${quote(org ?? 'an unnamed authority')}, neither Sigstore's public-good instance nor GitHub's (a trusted-root file can name others)`;
  }

  private http(): Promise<import('@actions/http-client').HttpClient> {
    return (this.client ??= (async () => {
      const { HttpClient } = exportsOf(await import('@actions/http-client'), 'HttpClient');
      return new HttpClient('wheel-guard', [], { allowRedirects: false, keepAlive: true, socketTimeout: this.settings.timeoutMs });
    })());
  }

  /** One GET of the API, read whole (bounded); network failures and 5xx, 408, 429 and rate limits are retryable. */
  private async get(url: string, what: string): Promise<Answer> {
    const headers = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(this.settings.token ? { authorization: `Bearer ${this.settings.token}` } : {}),
    };
    let message: IncomingMessage;
    try {
      message = (await (await this.http()).get(url, headers)).message;
    } catch (error: unknown) {
      if (isRetryable(error) || /^Request timeout/.test(messageOf(error))) {
        throw new UnreachableError(`cannot reach ${new URL(url).origin} for ${what} (${String((error as { code?: unknown }).code ?? messageOf(error))}): check the network and HTTPS_PROXY/NO_PROXY`, { cause: error });
      }
      throw new AttestationsApiError(`${what}: ${messageOf(error)}`, { cause: error });
    }
    const status = message.statusCode ?? 0;
    const body = status === 200 ? await readBounded(message, MAX_PAGE_BYTES, `the attestations API's answer for ${what}`, this.settings.timeoutMs) : (message.resume(), Buffer.alloc(0));
    const answer = { status, headers: message.headers, body };
    const rateLimited = status === 429 || (status === 403 && (message.headers['retry-after'] !== undefined || message.headers['x-ratelimit-remaining'] === '0'));
    if (rateLimited || status === 408 || status >= 500) {
      const reset = Number(message.headers['x-ratelimit-reset']);
      const wait = retryAfterMs(String(message.headers['retry-after'] ?? '')) ?? (Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined);
      const when = rateLimited ? ` (rate limited${wait !== undefined ? `; it asks to wait ${Math.ceil(wait / 1000)} s` : ''}; a github-token raises the limit)` : '';
      throw Object.assign(new TransferError(`${what}: the attestations API answered ${status}${when}`), wait !== undefined ? { retryAfterMs: wait } : {});
    }
    return answer;
  }

  /**
   * The bundles the API holds for `sha256` in the repository `attested-by`
   * names, a page at a time (none: no page). Only one page (at most
   * MAX_PAGE_BYTES) is held at once, and no more than MAX_PAGES are asked for.
   */
  async *pages(file: string, sha256: string): AsyncGenerator<unknown[]> {
    const { attestedBy, apiUrl } = this.settings;
    const repository = `${attestedBy.owner}/${attestedBy.repo}`;
    let url: string | undefined = `${apiUrl.replace(/\/+$/, '')}/repos/${attestedBy.owner}/${attestedBy.repo}/attestations/sha256:${sha256}?per_page=100`;
    const origin = new URL(url).origin;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const what = `the attestations of ${file} in ${repository}`;
      const answer: Answer = await retry(() => this.get(url!, what), {
        retries: this.settings.retries,
        onRetry: (error, attempt) => this.settings.onRetry?.(what, error, attempt),
      });
      if (answer.status === 404) return;
      if (answer.status === 401) throw new AttestationsApiError(`attested-by: the attestations API refused github-token (401) for ${repository}; give a valid token (\${{ github.token }} in a workflow, GITHUB_TOKEN on the command line)`);
      if (answer.status === 403) throw new AttestationsApiError(`attested-by: the attestations API refused access to ${repository} (403); the token needs attestations: read (and contents: read on a private repository)`);
      if (answer.status !== 200) throw new AttestationsApiError(`attested-by: the attestations API answered ${answer.status} for ${what}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body.toString('utf8'));
      } catch {
        throw new AttestationsApiError(`attested-by: the attestations API's answer for ${what} is not JSON`);
      }
      const list = (parsed as { attestations?: unknown } | null)?.attestations;
      if (!Array.isArray(list)) throw new AttestationsApiError(`attested-by: the attestations API's answer for ${what} has no attestations list`);
      url = nextLink(answer.headers.link, origin);
      yield list.map((item: { bundle?: unknown } | null) => item?.bundle ?? null);
    }
  }

  /** Judges one bundle for a wheel: undefined and what it says when acceptable, else the reason. */
  async judge(bundleJson: unknown, sha256: string): Promise<Attested | string> {
    const { verify, bundle: bundles } = await this.libs();
    if (bundleJson === null || typeof bundleJson !== 'object') return 'an attestation without a bundle (this version reads bundles given inline only)';
    let bundle;
    try {
      bundle = bundles.bundleFromJSON(bundleJson);
    } catch (error: unknown) {
      return `a malformed Sigstore bundle (${messageOf(error).slice(0, 200)})`;
    }
    if (!bundles.isBundleWithDsseEnvelope(bundle)) return 'not an in-toto attestation (a bundle without a DSSE envelope)';
    const content = bundle.verificationMaterial.content;
    const leaf = content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates[0]?.rawBytes : content.$case === 'certificate' ? content.certificate.rawBytes : undefined;
    if (!leaf) return 'not signed with a Sigstore certificate';
    const roots = await this.rootsFor(leaf);
    if (typeof roots === 'string') return roots;
    let signer: ReturnType<InstanceType<typeof verify.Verifier>['verify']> | undefined;
    let failure = '';
    for (const root of roots) {
      try {
        signer = new verify.Verifier(root.material, root.options).verify(verify.toSignedEntity(bundle));
        break;
      } catch (error: unknown) {
        failure ||= messageOf(error);
      }
    }
    if (!signer) return `its signature does not verify (${failure.slice(0, 300)})`;
    // Signed: what the statement says is now the signer's word.
    const envelope = bundle.content.dsseEnvelope;
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return `not an in-toto statement (payload type ${quote(envelope.payloadType)})`;
    let statement: { _type?: unknown; subject?: unknown; predicateType?: unknown };
    try {
      statement = JSON.parse(Buffer.from(envelope.payload).toString('utf8'));
    } catch {
      return 'its in-toto statement is not JSON';
    }
    if (!IN_TOTO_STATEMENTS.has(String(statement._type))) return `not an in-toto statement (_type ${quote(String(statement._type))})`;
    const subjects = Array.isArray(statement.subject) ? statement.subject : [];
    if (!subjects.some((subject: { digest?: { sha256?: unknown } } | null) => String(subject?.digest?.sha256 ?? '').toLowerCase() === sha256)) {
      return `its statement does not name this sha256 as a subject`;
    }
    if (statement.predicateType !== SLSA_PROVENANCE_V1) return `not build provenance (predicate type ${quote(String(statement.predicateType))}, not ${SLSA_PROVENANCE_V1})`;
    const identity = signer.identity;
    const problem = identityProblem(this.settings.attestedBy, identity?.extensions?.issuer, identity?.subjectAlternativeName);
    if (problem) return problem;
    const logIndex = bundle.verificationMaterial.tlogEntries[0]?.logIndex;
    return { signer: identity!.subjectAlternativeName!, ...(logIndex !== undefined ? { logIndex: String(logIndex) } : {}) };
  }

  /** Checks a wheel whose sha256 verified: throws AttestationError unless one attestation is acceptable. */
  async check(file: string, sha256: string): Promise<Attested> {
    const digest = sha256.toLowerCase();
    const repository = `${this.settings.attestedBy.owner}/${this.settings.attestedBy.repo}`;
    const reasons: string[] = [];
    let seen = 0;
    // Judged a page at a time: the first acceptable attestation ends the search (and the asking).
    for await (const bundles of this.pages(file, digest)) {
      for (const bundle of bundles) {
        seen += 1;
        const judged = await this.judge(bundle, digest);
        if (typeof judged !== 'string') return judged;
        if (!reasons.includes(judged)) reasons.push(judged);
      }
    }
    if (seen === 0) throw new AttestationError(file, `no attestation found in ${repository} for sha256:${digest}; attest it in the build (actions/attest-build-provenance, or post-build's attest: true)`);
    const shown = reasons.slice(0, MAX_REASONS).join('; ') + (reasons.length > MAX_REASONS ? `; and ${reasons.length - MAX_REASONS} other reason(s)` : '');
    const which = seen === 1 ? `its one attestation in ${repository} is not` : `none of its ${seen} attestations in ${repository} is`;
    throw new AttestationError(file, `${which} acceptable for ${this.settings.attestedBy.given}: ${shown}`);
  }
}

/**
 * The run's checker (collect, verify DIR): its retries told through `info`,
 * the trusted-root file read now, so a bad one is an input error before any
 * download.
 */
export async function openAttestations(settings: AttestationSettings, info: (line: string) => void): Promise<Attestations> {
  const attestations = new Attestations({ ...settings, onRetry: (what, error, attempt) => info(`${what}: attempt ${attempt} after: ${messageOf(error)}`) });
  await attestations.prepare();
  return attestations;
}

/** The `rel="next"` address of a Link header, if on the API's own origin. */
export function nextLink(header: string | string[] | undefined, origin: string): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return undefined;
  for (const part of value.split(',')) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/.exec(part);
    if (!match) continue;
    try {
      const url = new URL(match[1]!);
      return url.origin === origin ? url.href : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Settings from the inputs: attested-by (empty: off), trusted-root, github-token; the API from GITHUB_API_URL. */
export function getAttestationSettings(
  values: { attestedBy: string; trustedRoot: string; token: string },
  common: { retries: number; timeout: number },
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): AttestationSettings | undefined {
  if (values.attestedBy.trim() === '') {
    if (values.trustedRoot.trim() !== '') throw new InputError('trusted-root: only used with attested-by; set attested-by to the workflow that must have signed each wheel');
    return undefined;
  }
  const attestedBy = parseAttestedBy(values.attestedBy, 'attested-by', env.GITHUB_SERVER_URL || 'https://github.com');
  const apiUrl = env.GITHUB_API_URL || apiUrlFor(attestedBy.server);
  const trustedRoot = values.trustedRoot.trim();
  return {
    attestedBy,
    apiUrl,
    ...(values.token.trim() ? { token: values.token.trim() } : {}),
    ...(trustedRoot ? { trustedRoot: resolve(cwd, trustedRoot) } : {}),
    retries: common.retries,
    timeoutMs: common.timeout * 1000,
    ...(env.RUNNER_TEMP ? { cacheDir: join(env.RUNNER_TEMP, 'wheel-guard-tuf') } : {}),
  };
}
