/**
 * What the real @actions/attest needs to sign on loopback, in a subprocess
 * that can only be given environment variables: GitHub Actions' OIDC token
 * service, its issuer, and the Sigstore hosts it has written in, all answered
 * on 127.0.0.1 and nothing dialled out.
 *
 * - The token request service (`ACTIONS_ID_TOKEN_REQUEST_URL`, plain HTTP on
 *   127.0.0.1, `?api-version=2.0` as the runner's has, so that
 *   @actions/core's `&audience=…` appends): GET with
 *   `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` answers
 *   `{"value": JWT}`, an RS256 ID token signed with this fixture's key, with
 *   every claim a GitHub Actions token has (sigstore.ts `actionsClaims`: iss,
 *   sub, aud = the audience asked for, ref, sha, repository, event_name,
 *   job_workflow_ref, workflow_ref, repository_id, repository_owner_id,
 *   runner_environment, run_id, run_attempt, exp/iat/nbf…).
 * - A CONNECT proxy on 127.0.0.1 (`HTTPS_PROXY`, also `HTTP_PROXY`) that
 *   never dials out. A CONNECT to token.actions.githubusercontent.com,
 *   fulcio.sigstore.dev, rekor.sigstore.dev, fulcio.githubapp.com or
 *   timestamp.githubapp.com (port 443) is answered 200 and the tunnel handed
 *   to an in-process TLS server whose certificate (all five names) a test CA
 *   made with openssl signed (`NODE_EXTRA_CA_CERTS`). It routes by Host: the
 *   issuer serves `/.well-known/openid-configuration` and its `jwks_uri`
 *   (`/.well-known/jwks`); each Sigstore host its one service's path, served
 *   by `sigstore.handle`. Any other CONNECT, or a plain proxied request, is
 *   403 and recorded in `refused`.
 *
 * Both HTTP stacks @actions/attest uses honour the proxy from the
 * environment alone (read in their sources): @actions/http-client (the
 * issuer's JWKS, and @actions/core's token request) reads
 * https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY per request and never proxies
 * a loopback address; make-fetch-happen's @npmcli/agent (Fulcio, Rekor, the
 * TSA, and @sigstore/sign's own token request) reads
 * https_proxy/http_proxy/proxy/no_proxy case-insensitively once at load, and
 * proxies even an http:// URL through `https_proxy` unless NO_PROXY lists its
 * host (hence NO_PROXY=127.0.0.1,localhost). Both tunnel with CONNECT and
 * check the certificate against Node's CAs, NODE_EXTRA_CA_CERTS included.
 * The attestation store (GITHUB_API_URL, Octokit on undici) is on loopback:
 * @actions/github's proxy dispatcher bypasses it.
 *
 * The repository's visibility decides the instance, as attest decides it
 * from the event payload (GITHUB_EVENT_PATH's repository.visibility):
 * `public` needs a `public-good` stack, `private` a `github` one.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign as signData } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import {
  actionsClaims,
  close,
  FULCIO_PATH,
  GITHUB_ACTIONS_ISSUER,
  GITHUB_SERVER,
  listen,
  REKOR_PATH,
  type SigstoreStack,
  stableId,
  TSA_PATH,
  type Workflow,
  workflowSha,
} from './sigstore.js';
import { openssl } from './tools.js';

export interface GitHubOidc {
  /** Everything the subprocess needs (see the file's comment); merge into a clean environment. */
  env: Record<string, string>;
  /** ID tokens handed out by the token request service. */
  readonly tokensIssued: number;
  /** Every CONNECT target asked of the proxy, as sent: "fulcio.sigstore.dev:443". */
  hosts: string[];
  /** The CONNECT targets (and proxied plain requests) refused with 403. */
  refused: string[];
  /** Every request the TLS server answered: "fulcio.sigstore.dev POST /api/v2/signingCert 201". */
  log: string[];
  /** The PEM of the test CA (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  stop(): Promise<void>;
}

export interface GitHubOidcOptions {
  sigstore: SigstoreStack;
  workflow: Workflow;
  visibility: 'public' | 'private';
  /** GITHUB_API_URL for the subprocess (an attestations-api.ts url). */
  apiUrl?: string;
  /** Where the CA, the TLS key and the event payload are written (the caller removes it). */
  dir: string;
}

const ISSUER_HOST = new URL(GITHUB_ACTIONS_ISSUER).hostname;
/** The Sigstore hosts @actions/attest has written in, and the one path each serves. */
const SIGSTORE_HOSTS: Record<string, string> = {
  'fulcio.sigstore.dev': FULCIO_PATH,
  'rekor.sigstore.dev': REKOR_PATH,
  'fulcio.githubapp.com': FULCIO_PATH,
  'timestamp.githubapp.com': TSA_PATH,
};
const MITM_HOSTS = [ISSUER_HOST, ...Object.keys(SIGSTORE_HOSTS)];

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** A test CA and a server certificate for `names`, made with the openssl command line in `dir`. */
function makeCertificates(dir: string, names: string[]): { caFile: string; key: Buffer; cert: Buffer } {
  const caFile = join(dir, 'oidc-ca.pem');
  const caKey = join(dir, 'oidc-ca-key.pem');
  const key = join(dir, 'oidc-tls-key.pem');
  const csr = join(dir, 'oidc-tls.csr');
  const cert = join(dir, 'oidc-tls.pem');
  const ext = join(dir, 'oidc-tls.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=wheel-guard test CA']);
  openssl(['req', '-new', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=wheel-guard test MITM']);
  writeFileSync(ext, `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n`);
  openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-out', cert, '-extfile', ext]);
  return { caFile, key: readFileSync(key), cert: readFileSync(cert) };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startGitHubOidc(options: GitHubOidcOptions): Promise<GitHubOidc> {
  const { sigstore, workflow, visibility, dir } = options;
  const wanted = visibility === 'public' ? 'public-good' : 'github';
  if (sigstore.flavor !== wanted) {
    throw new Error(`a ${visibility} repository's attestations are signed by the ${wanted} instance; this stack is ${sigstore.flavor}`);
  }
  const [owner = ''] = workflow.repository.split('/');

  // The issuer's signing key and its JWKS.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
  const kid = createHash('sha256').update(`${jwk.e}.${jwk.n}`).digest('hex').slice(0, 40).toUpperCase();
  const jwks = { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };
  const idToken = (audience: string): string => {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
    const payload = b64url(JSON.stringify(actionsClaims(workflow, audience, visibility)));
    return `${header}.${payload}.${signData('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
  };

  const requestToken = randomBytes(24).toString('base64url');
  let tokensIssued = 0;
  const hosts: string[] = [];
  const refused: string[] = [];
  const log: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  // The runner's token request service.
  const plan = randomUUID();
  const job = randomUUID();
  const tokenPath = `/_apis/distributedtask/hubs/build/plans/${plan}/jobs/${job}/idtoken`;
  const tokens = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' || url.pathname !== tokenPath) return sendJson(res, 404, { message: 'not found' });
    if (req.headers.authorization !== `Bearer ${requestToken}`) return sendJson(res, 401, { message: 'unauthorized' });
    tokensIssued++;
    sendJson(res, 200, { value: idToken(url.searchParams.get('audience') ?? `${GITHUB_SERVER}/${owner}`) });
  });

  // The hosts @actions/attest names, behind the proxy.
  const { caFile, key, cert } = makeCertificates(dir, MITM_HOSTS);
  const tls = createHttpsServer({ key, cert }, (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.on('finish', () => log.push(`${host} ${req.method} ${path} ${res.statusCode}`));
    void (async () => {
      if (host === ISSUER_HOST) {
        req.resume();
        if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
          return sendJson(res, 200, {
            issuer: GITHUB_ACTIONS_ISSUER,
            jwks_uri: `${GITHUB_ACTIONS_ISSUER}/.well-known/jwks`,
            subject_types_supported: ['public', 'pairwise'],
            response_types_supported: ['id_token'],
            claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'sha', 'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'run_id', 'run_number', 'run_attempt', 'actor', 'actor_id', 'workflow', 'workflow_ref', 'workflow_sha', 'job_workflow_ref', 'job_workflow_sha', 'event_name', 'ref_type', 'repository_visibility', 'runner_environment'],
            id_token_signing_alg_values_supported: ['RS256'],
            scopes_supported: ['openid'],
          });
        }
        if (req.method === 'GET' && path === '/.well-known/jwks') return sendJson(res, 200, jwks);
        return sendJson(res, 404, { message: 'not found' });
      }
      if (SIGSTORE_HOSTS[host] === path && (await sigstore.handle(req, res))) return;
      req.resume();
      sendJson(res, 404, { message: `not found on ${host}` });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  tls.on('tlsClientError', () => undefined);

  // The proxy: CONNECT to a known host goes to the TLS server, anything else is refused.
  const proxy = createServer((req, res) => {
    req.resume();
    const target = `${req.method} ${req.url}`;
    hosts.push(req.headers.host ?? String(req.url));
    refused.push(target);
    res.writeHead(403, { 'content-type': 'text/plain' }).end('this proxy only tunnels to the GitHub and Sigstore hosts of the test\n');
  });
  proxy.on('connection', track);
  proxy.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = String(req.url ?? '');
    hosts.push(target);
    const [name = '', port = ''] = target.toLowerCase().split(':');
    socket.on('error', () => socket.destroy());
    if (port !== '443' || !MITM_HOSTS.includes(name)) {
      refused.push(target);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    tls.emit('connection', socket);
  });

  const tokenOrigin = await listen(tokens);
  let proxyUrl: string;
  try {
    proxyUrl = await listen(proxy);
  } catch (error) {
    await close(tokens);
    throw error;
  }

  const eventPath = join(dir, 'oidc-event.json');
  await writeFile(
    eventPath,
    JSON.stringify({
      ref: workflow.ref,
      after: workflowSha(workflow),
      repository: {
        id: Number(stableId(workflow.repository)),
        name: workflow.repository.split('/')[1],
        full_name: workflow.repository,
        private: visibility !== 'public',
        visibility,
        owner: { login: owner, id: Number(stableId(owner)) },
      },
    }),
  );

  const claims = actionsClaims(workflow, 'env', visibility);
  const env: Record<string, string> = {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${tokenOrigin}${tokenPath}?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    HTTPS_PROXY: proxyUrl,
    https_proxy: proxyUrl,
    HTTP_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    NODE_EXTRA_CA_CERTS: caFile,
    GITHUB_SERVER_URL: GITHUB_SERVER,
    GITHUB_REPOSITORY: workflow.repository,
    GITHUB_REPOSITORY_OWNER: owner,
    GITHUB_REPOSITORY_ID: String(claims.repository_id),
    GITHUB_REPOSITORY_OWNER_ID: String(claims.repository_owner_id),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: workflow.ref,
    GITHUB_REF_NAME: workflow.ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_REF_TYPE: String(claims.ref_type),
    GITHUB_SHA: workflowSha(workflow),
    GITHUB_WORKFLOW: String(claims.workflow),
    GITHUB_WORKFLOW_REF: String(claims.workflow_ref),
    GITHUB_WORKFLOW_SHA: workflowSha(workflow),
    GITHUB_RUN_ID: String(claims.run_id),
    GITHUB_RUN_NUMBER: String(claims.run_number),
    GITHUB_RUN_ATTEMPT: String(claims.run_attempt),
    GITHUB_ACTOR: owner,
    GITHUB_JOB: 'build',
    RUNNER_ENVIRONMENT: 'github-hosted',
    ...(options.apiUrl ? { GITHUB_API_URL: options.apiUrl } : {}),
  };

  let stopped: Promise<void> | undefined;
  return {
    env,
    get tokensIssued() {
      return tokensIssued;
    },
    hosts,
    refused,
    log,
    caFile,
    stop() {
      return (stopped ??= (async () => {
        for (const socket of sockets) socket.destroy();
        tls.closeAllConnections();
        await Promise.all([close(tokens), close(proxy)]);
      })());
    },
  };
}
