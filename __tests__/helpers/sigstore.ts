/**
 * A Sigstore instance for tests on 127.0.0.1: the services that sign a build
 * provenance attestation, as GitHub Actions reaches them, from
 * @sigstore/mock's real CA, CT log, transparency log and timestamp authority
 * (keys made per stack) served by node:http on random ports (no nock), and a
 * signer that is the real @sigstore/sign.
 *
 * Two flavors, as GitHub uses them:
 * - `public-good` (public repositories): Fulcio, whose certificates carry an
 *   SCT from a CT log, and Rekor (a `dsse` entry with inclusion promise and
 *   proof). Its trusted root lists the CA, the transparency log and the CT log.
 * - `github` (private repositories): Fulcio without a CT log, and an RFC 3161
 *   timestamp authority; no Rekor. Its trusted root lists the CA and the TSA.
 *
 * Fulcio issues as it does for GitHub Actions tokens: the certificate's SAN is
 * `https://github.com/` + the token's `job_workflow_ref` claim, its issuer
 * extension the token's `iss` (which must be GitHub Actions'), and the other
 * GitHub extensions (source repository, ref, digest, trigger, runner
 * environment, run invocation…) from the token's claims. The token is decoded,
 * not verified (the mock only decodes); one without `job_workflow_ref` or
 * from another issuer is refused (400), as Fulcio refuses it.
 *
 * The services answer POST only: Fulcio `/api/v2/signingCert`, Rekor
 * `/api/v1/log/entries`, the TSA `/api/v1/timestamp`, each on its own port
 * and origin (no path prefix: @sigstore/sign 4 takes a TSA URL with a path
 * as the full endpoint). `handle` serves all three paths of the stack for a
 * server of someone else's (github-oidc.ts's TLS man-in-the-middle).
 *
 * @sigstore/sign fetches through make-fetch-happen/@npmcli/agent, which reads
 * https_proxy/http_proxy/no_proxy once, when first loaded: a test process
 * whose environment names a proxy must also list 127.0.0.1 in NO_PROXY for
 * `sign()` to reach the stack.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID, verify as verifySignature, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundleToJSON } from '@sigstore/bundle';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from '@sigstore/mock';
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign';

export type Flavor = 'public-good' | 'github';

/** The workflow a signature is made for: what its OIDC token says. */
export interface Workflow {
  /** owner/repo */
  repository: string;
  /** .github/workflows/build.yml */
  path: string;
  /** refs/tags/v1.0.0 */
  ref: string;
  /** The commit; default a sha1 of repository@ref (the same for the same workflow). */
  sha?: string;
}

export interface SignOptions {
  subjects: { name: string; digest: { sha256: string } }[];
  workflow: Workflow;
  /** Default https://slsa.dev/provenance/v1. */
  predicateType?: string;
  /** Default: the SLSA provenance predicate actions/attest builds from the token's claims. */
  predicate?: object;
}

export interface SigstoreStack {
  flavor: Flavor;
  /** http://127.0.0.1:PORT (no path) */
  fulcioURL: string;
  /** public-good only. */
  rekorURL?: string;
  /** github only. */
  tsaURL?: string;
  /** A TrustedRoot in its JSON form, listing exactly this stack's CA, tlog, ctlog, TSA. */
  trustedRoot: Record<string, unknown>;
  /** Writes `trustedRoot` as one JSON document. */
  writeTrustedRoot(path: string): Promise<void>;
  /** Signs an in-toto statement as actions/attest-build-provenance does; returns the bundle as JSON. */
  sign(options: SignOptions): Promise<Record<string, unknown>>;
  /** Serves the stack's Fulcio, Rekor and TSA paths; false (nothing written) for another path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Every request the services answered, in order: "fulcio POST /api/v2/signingCert 201". */
  log: string[];
  stop(): Promise<void>;
}

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITHUB_SERVER = 'https://github.com';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

export const FULCIO_PATH = '/api/v2/signingCert';
export const REKOR_PATH = '/api/v1/log/entries';
export const TSA_PATH = '/api/v1/timestamp';

/** Request bodies of the services: a DSSE envelope of 1,024 subjects is well under this. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** The claim the Fulcio wrapper adds for the mock's `subjectClaim`. */
const SAN_CLAIM = 'wheel_guard_test_san';

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');
const b64 = (data: ArrayBufferView | Buffer): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');

/** A JWT with `alg: none` (what the Fulcio mock reads: it decodes, never verifies). */
export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;
}

/** The payload of a JWT, not verified. */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('a JWT payload that is not an object');
  return claims as Record<string, unknown>;
}

/** A stable number for a name, as GitHub's ids are stable: 9 digits. */
export function stableId(name: string): string {
  return String((parseInt(createHash('sha256').update(name).digest('hex').slice(0, 12), 16) % 900_000_000) + 100_000_000);
}

/** The commit of a workflow: `sha`, else a sha1 of repository@ref. */
export function workflowSha(workflow: Workflow): string {
  return workflow.sha ?? createHash('sha1').update(`${workflow.repository}@${workflow.ref}`).digest('hex');
}

/** `owner/repo/.github/workflows/build.yml@refs/tags/v1.0.0`: the token's job_workflow_ref (and workflow_ref). */
export function jobWorkflowRef(workflow: Workflow): string {
  return `${workflow.repository}/${workflow.path}@${workflow.ref}`;
}

/** `https://github.com/owner/repo/.github/workflows/build.yml@refs/tags/v1.0.0`: the certificate's SAN. */
export function expectedSan(workflow: Workflow): string {
  return `${GITHUB_SERVER}/${jobWorkflowRef(workflow)}`;
}

/**
 * The claims of a GitHub Actions OIDC token for a push of `workflow`'s ref
 * (strings, as GitHub's are), for `audience`.
 */
export function actionsClaims(workflow: Workflow, audience: string, visibility: 'public' | 'private' = 'public'): Record<string, unknown> {
  const [owner = ''] = workflow.repository.split('/');
  const sha = workflowSha(workflow);
  const now = Math.floor(Date.now() / 1000);
  const ref = jobWorkflowRef(workflow);
  return {
    jti: randomUUID(),
    sub: `repo:${workflow.repository}:ref:${workflow.ref}`,
    aud: audience,
    ref: workflow.ref,
    sha,
    repository: workflow.repository,
    repository_owner: owner,
    repository_owner_id: stableId(owner),
    repository_visibility: visibility,
    repository_id: stableId(workflow.repository),
    actor_id: stableId(owner),
    actor: owner,
    workflow: workflow.path.replace(/^.*\//, '').replace(/\.ya?ml$/, ''),
    head_ref: '',
    base_ref: '',
    event_name: 'push',
    ref_protected: 'false',
    ref_type: workflow.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    workflow_ref: ref,
    workflow_sha: sha,
    job_workflow_ref: ref,
    job_workflow_sha: sha,
    runner_environment: 'github-hosted',
    run_id: stableId(`${workflow.repository} run`),
    run_number: '1',
    run_attempt: '1',
    iss: GITHUB_ACTIONS_ISSUER,
    nbf: now - 5,
    exp: now + 600,
    iat: now,
  };
}

/** The SLSA v1 predicate actions/attest's buildSLSAProvenancePredicate makes from these claims. */
export function provenancePredicate(claims: Record<string, unknown>): object {
  const repository = String(claims.repository);
  const [path] = String(claims.workflow_ref).replace(`${repository}/`, '').split('@');
  return {
    buildDefinition: {
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      externalParameters: { workflow: { ref: claims.ref, repository: `${GITHUB_SERVER}/${repository}`, path } },
      internalParameters: {
        github: {
          event_name: claims.event_name,
          repository_id: claims.repository_id,
          repository_owner_id: claims.repository_owner_id,
          runner_environment: claims.runner_environment,
        },
      },
      resolvedDependencies: [{ uri: `git+${GITHUB_SERVER}/${repository}@${String(claims.ref)}`, digest: { gitCommit: claims.sha } }],
    },
    runDetails: {
      builder: { id: `${GITHUB_SERVER}/${String(claims.job_workflow_ref)}` },
      metadata: { invocationId: `${GITHUB_SERVER}/${repository}/actions/runs/${String(claims.run_id)}/attempts/${String(claims.run_attempt)}` },
    },
  };
}

/** Reads a request body whole, refusing more than `max` bytes. */
export function readBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

type Service = 'fulcio' | 'rekor' | 'tsa';

/** Fulcio as it issues for GitHub Actions: SAN = https://github.com/ + job_workflow_ref. */
function githubFulcio(inner: HandlerFn): HandlerFn {
  return async (body) => {
    let request: { credentials?: { oidcIdentityToken?: unknown } };
    let claims: Record<string, unknown>;
    try {
      request = JSON.parse(body) as typeof request;
      const token = request.credentials?.oidcIdentityToken;
      if (typeof token !== 'string') throw new Error('no credentials.oidcIdentityToken');
      claims = jwtClaims(token);
    } catch (error: unknown) {
      return { statusCode: 400, response: JSON.stringify({ code: 3, message: `invalid request: ${(error as Error).message}` }), contentType: 'application/json' };
    }
    if (claims.iss !== GITHUB_ACTIONS_ISSUER) {
      return { statusCode: 401, response: JSON.stringify({ code: 16, message: `unsupported issuer ${String(claims.iss)}` }), contentType: 'application/json' };
    }
    if (typeof claims.job_workflow_ref !== 'string' || claims.job_workflow_ref === '') {
      return { statusCode: 400, response: JSON.stringify({ code: 3, message: 'the token has no job_workflow_ref claim' }), contentType: 'application/json' };
    }
    request.credentials!.oidcIdentityToken = unsignedJwt({ ...claims, [SAN_CLAIM]: `${GITHUB_SERVER}/${claims.job_workflow_ref}` });
    return inner(JSON.stringify(request));
  };
}

/** DSSE's pre-authentication encoding: what the envelope's signatures sign. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

const sha256hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A Rekor verifier (base64 of a PEM certificate or public key) as a key. */
function verifierKey(verifier: string): KeyObject {
  const pem = Buffer.from(verifier, 'base64').toString('utf8');
  return pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

/**
 * Rekor's canonicalisation of a `dsse` v0.0.1 entry (rekor pkg/types/dsse/v0.0.1
 * Canonicalize), which the mock leaves out: it stores the proposed entry as
 * sent, and @sigstore/verify then finds no `spec.signatures` in the logged
 * body ("signature count mismatch"). Rekor checks each signature of the
 * envelope against the verifiers sent, then logs the envelope's and the
 * payload's sha256 and {signature, verifier} pairs, not the envelope.
 */
function canonicalRekor(inner: HandlerFn): HandlerFn {
  return async (body) => {
    let entry: { kind?: unknown; apiVersion?: unknown; spec?: { proposedContent?: { envelope?: unknown; verifiers?: unknown } } };
    try {
      entry = JSON.parse(body) as typeof entry;
    } catch {
      return { statusCode: 400, response: JSON.stringify({ code: 400, message: 'the entry is not JSON' }), contentType: 'application/json' };
    }
    if (entry.kind === 'dsse' && entry.apiVersion === '0.0.1') {
      try {
        const { envelope: envelopeText, verifiers } = entry.spec?.proposedContent ?? {};
        if (typeof envelopeText !== 'string' || !Array.isArray(verifiers)) throw new Error('missing proposedContent');
        const envelope = JSON.parse(envelopeText) as { payloadType: string; payload: string; signatures: { sig: string }[] };
        const payload = Buffer.from(envelope.payload, 'base64');
        const signed = pae(envelope.payloadType, payload);
        const signatures = envelope.signatures.map(({ sig }) => {
          const verifier = (verifiers as unknown[]).find((v) => typeof v === 'string' && verifySignature('sha256', signed, verifierKey(v), Buffer.from(sig, 'base64')));
          if (typeof verifier !== 'string') throw new Error('a signature no verifier verifies');
          return { signature: sig, verifier };
        });
        signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
        body = JSON.stringify({
          apiVersion: '0.0.1',
          kind: 'dsse',
          spec: {
            envelopeHash: { algorithm: 'sha256', value: sha256hex(envelopeText) },
            payloadHash: { algorithm: 'sha256', value: sha256hex(payload) },
            signatures,
          },
        });
      } catch (error: unknown) {
        return { statusCode: 400, response: JSON.stringify({ code: 400, message: `invalid dsse entry: ${(error as Error).message}` }), contentType: 'application/json' };
      }
    }
    return inner(body);
  };
}

export async function startSigstore(flavor: Flavor = 'public-good'): Promise<SigstoreStack> {
  // Trusted from a few minutes back: the certificates are issued from now on.
  const validFrom = new Date(Date.now() - 10 * 60_000).toISOString();
  const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const log: string[] = [];

  const servers = new Map<Service, Server>();
  const routes = new Map<string, { service: Service; fn: HandlerFn }>();

  const serve = async (req: IncomingMessage, res: ServerResponse, only?: Service): Promise<boolean> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes.get(path);
    if (!route || (only && route.service !== only)) return false;
    const answer = (status: number, body: string | Buffer, contentType: string): void => {
      log.push(`${route.service} ${req.method} ${path} ${status}`);
      res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (req.method !== 'POST') {
      req.resume();
      answer(405, JSON.stringify({ code: 12, message: 'method not allowed' }), 'application/json');
      return true;
    }
    const body = await readBody(req);
    if (!body) {
      answer(413, JSON.stringify({ code: 3, message: 'request body too large' }), 'application/json');
      return true;
    }
    const result = await route.fn(body.toString('utf8'));
    const response = typeof result.response === 'string' ? result.response : Buffer.from(result.response.buffer, result.response.byteOffset, result.response.byteLength);
    answer(result.statusCode, response, result.contentType ?? 'text/plain');
    return true;
  };

  const start = async (service: Service): Promise<string> => {
    const server = createServer((req, res) => {
      serve(req, res, service)
        .then((served) => {
          if (!served) {
            req.resume();
            res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 5, message: 'not found' }));
          }
        })
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
    servers.set(service, server);
    return listen(server);
  };

  const stopAll = () => Promise.all([...servers.values()].map(close)).then(() => undefined);

  try {
    const fulcioURL = await start('fulcio');
    const rekorURL = flavor === 'public-good' ? await start('rekor') : undefined;
    const tsaURL = flavor === 'github' ? await start('tsa') : undefined;

    const ctlog = flavor === 'public-good' ? await initializeCTLog(keyPair()) : undefined;
    const ca = await initializeCA(keyPair(), ctlog);
    routes.set(FULCIO_PATH, { service: 'fulcio', fn: githubFulcio(fulcioHandler(ca, { strict: true, subjectClaim: SAN_CLAIM }).fn) });

    const root: Record<string, unknown> = {
      mediaType: TRUSTED_ROOT_MEDIA_TYPE,
      tlogs: [] as unknown[],
      certificateAuthorities: [
        {
          subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
          uri: fulcioURL,
          certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
          validFor: { start: validFrom },
        },
      ],
      ctlogs: [] as unknown[],
      timestampAuthorities: [] as unknown[],
    };

    if (ctlog) {
      (root.ctlogs as unknown[]).push({
        // The CT log is the CA's own (the mock logs precertificates in-process): no service of its own.
        baseUrl: `${fulcioURL}/ctlog`,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: validFrom } },
        logId: { keyId: b64(ctlog.logID) },
      });
    }
    if (rekorURL) {
      // The checkpoint's origin line names the log's host:port, which the verifier looks for in the root's baseUrl.
      const tlog = await initializeTLog(rekorURL, keyPair());
      routes.set(REKOR_PATH, { service: 'rekor', fn: canonicalRekor(rekorHandler(tlog, { strict: true }).fn) });
      (root.tlogs as unknown[]).push({
        baseUrl: rekorURL,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: validFrom } },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      });
    }
    if (tsaURL) {
      const tsa = await initializeTSA(keyPair());
      // The mock stamps genTime with milliseconds, which DER writes without trailing zeros
      // (".12Z", ".1Z"), and @sigstore/core 3.2.1 parses only exactly three digits
      // (/(\.\d{3})?Z$/): one timestamp in ten would be "invalid time". Stamp whole seconds.
      const clock = tsa as unknown as { getCurrentTime?: unknown };
      if (typeof clock.getCurrentTime !== 'function') throw new Error('@sigstore/mock TSA: getCurrentTime is gone; see the comment in helpers/sigstore.ts');
      clock.getCurrentTime = () => new Date(Math.floor(Date.now() / 1000) * 1000);
      routes.set(TSA_PATH, { service: 'tsa', fn: tsaHandler(tsa, { strict: true }).fn });
      (root.timestampAuthorities as unknown[]).push({
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: tsaURL,
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: { start: validFrom },
      });
    }

    let stopped: Promise<void> | undefined;
    return {
      flavor,
      fulcioURL,
      ...(rekorURL ? { rekorURL } : {}),
      ...(tsaURL ? { tsaURL } : {}),
      trustedRoot: root,
      log,

      async writeTrustedRoot(path) {
        await writeFile(path, `${JSON.stringify(root)}\n`);
      },

      async sign(options) {
        const visibility = flavor === 'public-good' ? 'public' : 'private';
        const claims = actionsClaims(options.workflow, 'sigstore', visibility);
        const statement = {
          _type: 'https://in-toto.io/Statement/v1',
          subject: options.subjects,
          predicateType: options.predicateType ?? SLSA_PROVENANCE_V1,
          predicate: options.predicate ?? provenancePredicate(claims),
        };
        const timeout = 10_000;
        const signer = new FulcioSigner({ identityProvider: { getToken: async () => unsignedJwt(claims) }, fulcioBaseURL: fulcioURL, timeout, retry: 0 });
        const witnesses: Witness[] = rekorURL
          ? [new RekorWitness({ rekorBaseURL: rekorURL, fetchOnConflict: true, timeout, retry: 0 })]
          : [new TSAWitness({ tsaBaseURL: tsaURL!, timeout, retry: 0 })];
        const bundle = await new DSSEBundleBuilder({ signer, witnesses }).create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD_TYPE });
        return bundleToJSON(bundle) as unknown as Record<string, unknown>;
      },

      handle: (req, res) => serve(req, res),

      stop() {
        return (stopped ??= stopAll());
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
