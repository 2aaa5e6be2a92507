/**
 * GitHub's artifact service (Actions artifacts v4+, what @actions/artifact 2+
 * talks to), emulated for tests on 127.0.0.1 — only its HTTP API:
 *
 * - the results service's twirp API (`ACTIONS_RESULTS_URL`):
 *   POST /twirp/github.actions.results.api.v1.ArtifactService/{CreateArtifact,
 *   FinalizeArtifact, ListArtifacts, GetSignedArtifactURL, DeleteArtifact},
 *   JSON with proto field names, authorised by the job's ACTIONS_RUNTIME_TOKEN
 *   (an HS256 JWT this fixture signs and checks, `scp` carrying
 *   `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>`);
 * - the REST endpoints a job of another run uses (`GITHUB_API_URL`, a GitHub
 *   token): list a run's artifacts (with `name`), list a repository's
 *   artifacts, get one, download (302 to the blob), delete;
 *
 * and the bytes live in a real Azurite: the service hands out SAS URLs of
 * blobs in the container `actions-results`, write+create for the upload, read
 * for the download, as GitHub hands out Azure Storage SAS URLs.
 *
 * Behaviour copied from GitHub where the library or public reports show it:
 * a second CreateArtifact of a finalized name in one run answers twirp
 * `already_exists` (HTTP 409, "an artifact with this name already exists on
 * the workflow run"); unknown artifacts answer `not_found` (404); list
 * entries carry `digest` = the `hash` FinalizeArtifact was sent; a bad REST
 * token answers 401 "Bad credentials", an unknown repository/run/artifact 404
 * "Not Found". The read URL's response headers (SAS `rsct`/`rscd`) give the
 * artifact's mime type and `attachment; filename=...`, so the library
 * unzips an archive (application/zip) and saves a skipArchive upload raw
 * under its own name. Blob names do not end in `.zip`: the library decides by
 * Content-Type.
 *
 * State is in memory, per fixture: runs by numeric run id (GITHUB_RUN_ID),
 * each with one workflow run backend id shared by all its jobs; artifact ids
 * are unique across runs, as GitHub's database ids are.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobSASPermissions,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from './azurite.js';

export const TWIRP_SERVICE = 'github.actions.results.api.v1.ArtifactService';
const CONTAINER = 'actions-results';

export interface ArtifactRecord {
  id: number;
  name: string;
  size: number;
  /** What FinalizeArtifact recorded as `hash`, e.g. `sha256:<hex>`; '' if none was sent. */
  digest: string;
  /** The mime type CreateArtifact was sent (application/zip for an archive). */
  mimeType: string;
  /** The job (GITHUB_JOB name given to jobEnv) that uploaded it. */
  job: string;
  createdAt: Date;
}

export interface ArtifactService {
  /** The results service origin (ACTIONS_RESULTS_URL, without the trailing slash). */
  resultsUrl: string;
  /** The REST API origin (GITHUB_API_URL). */
  apiUrl: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1`. */
  azuriteBlobEndpoint: string;
  /** The token the REST emulation accepts (as `Authorization: token …` or `Bearer …`). */
  githubToken: string;
  /** owner/name. */
  repository: string;
  /**
   * Env for one job of a run: ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL,
   * GITHUB_API_URL, GITHUB_SERVER_URL (https://github.com, so not GHES),
   * GITHUB_REPOSITORY(_OWNER), GITHUB_RUN_ID/ATTEMPT/NUMBER, GITHUB_JOB, and
   * NO_PROXY/no_proxy extended with 127.0.0.1 and localhost. Not
   * GITHUB_WORKSPACE (the library's default download directory): set it.
   * The same jobName in the same run gets the same job backend id.
   */
  jobEnv(run: { runId: number }, jobName?: string): Record<string, string>;
  /** The finalized artifacts of a run, by id. */
  artifacts(runId: number): ArtifactRecord[];
  /** Replaces a stored blob's bytes behind the service's back (the recorded size and digest stay). */
  tamperBlob(runId: number, name: string, mutate: (bytes: Buffer) => Buffer): Promise<void>;
  /** The bytes Azurite holds for an artifact. */
  blobBytes(runId: number, name: string): Promise<Buffer>;
  /** Overwrites the digest recorded for an artifact ('' records none: list and get then carry no digest). */
  setDigest(runId: number, name: string, digest: string): void;
  /**
   * Downloads of an artifact so far: the read URLs handed out for it
   * (twirp GetSignedArtifactURL, REST `…/artifacts/{id}/zip`), each of which
   * the library fetches once.
   */
  downloads(runId: number, name: string): number;
  /**
   * Stores `bytes` as a finalized zipped artifact of a run, as a job would
   * have uploaded it, bypassing the library: for crafted zips (names no
   * uploader would send). The digest recorded is the bytes' sha256 unless
   * `digest` says otherwise ('' records none).
   */
  putArtifact(run: { runId: number }, name: string, bytes: Buffer, options?: { job?: string; digest?: string }): Promise<ArtifactRecord>;
  /**
   * Signed URLs handed out from now on point at this origin instead of
   * Azurite's (e.g. a helpers/proxy.ts proxy in front of azuriteBlobEndpoint's
   * origin); undefined restores Azurite's.
   */
  routeBlobsThrough(origin: string | undefined): void;
  /** Every request served, in order: "twirp CreateArtifact 200", "GET /repos/o/r/actions/artifacts/1/zip 302". */
  log: string[];
  stop(): Promise<void>;
}

export interface ArtifactServiceOptions {
  /** owner/name; default wheel-guard-tests/wheels. */
  repository?: string;
}

interface Artifact extends ArtifactRecord {
  runId: number;
  jobBackendId: string;
  blobName: string;
  finalized: boolean;
  expiresAt?: string;
}

interface Run {
  runId: number;
  backendId: string;
  jobs: Map<string, string>; // job name -> job backend id
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** One HTTP exchange with Azurite, outside any proxy the environment may configure. */
function blobRequest(method: string, url: string, headers: Record<string, string | number> = {}, body?: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      readBody(res).then((data) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }), reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A field of a proto3 JSON message: the proto name (what the library sends) or the lowerCamelCase JSON name. */
function field(body: Record<string, unknown>, protoName: string): unknown {
  if (protoName in body) return body[protoName];
  const jsonName = protoName.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return body[jsonName];
}

function stringField(body: Record<string, unknown>, protoName: string): string {
  const value = field(body, protoName);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new TwirpError(400, 'malformed', `${protoName}: expected a string`);
  return value;
}

/** A google.protobuf.{String,Int64}Value field: the bare value in proto3 JSON. */
function wrapperField(body: Record<string, unknown>, protoName: string): string | undefined {
  const value = field(body, protoName);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (typeof value === 'object' && 'value' in value) return String((value as { value: unknown }).value);
  throw new TwirpError(400, 'malformed', `${protoName}: expected a wrapper value`);
}

function int64Field(body: Record<string, unknown>, protoName: string): number {
  const value = field(body, protoName);
  if (value === undefined || value === null) return 0;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new TwirpError(400, 'malformed', `${protoName}: expected an int64`);
  return number;
}

/** `attachment; filename="…"; filename*=UTF-8''…` as GitHub's blob downloads carry it. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\;]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function startArtifactService(options: ArtifactServiceOptions = {}): Promise<ArtifactService> {
  const repository = options.repository ?? 'wheel-guard-tests/wheels';
  const [owner, repoName] = repository.split('/') as [string, string];
  const azurite = await startAzurite();
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const jwtSecret = randomBytes(32);
  const githubToken = `ghs_${randomBytes(18).toString('base64url')}`;
  const issuedTokens = new Set<string>();
  const runs = new Map<number, Run>(); // by run id
  const runsByBackendId = new Map<string, Run>();
  const jobNames = new Map<string, string>(); // job backend id -> name
  const store: Artifact[] = [];
  const log: string[] = [];
  const downloadCounts = new Map<number, number>(); // artifact id -> read URLs handed out
  let nextArtifactId = 1001;
  let blobOrigin: string | undefined;

  try {
    // The container the service's blobs live in.
    const accountSas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 24 * 3600_000),
        permissions: AccountSASPermissions.parse('rwdlac'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      credential,
    ).toString();
    const created = await blobRequest('PUT', `${azurite.blobEndpoint}/${CONTAINER}?restype=container&${accountSas}`, { 'content-length': 0 });
    if (created.status !== 201) throw new Error(`Azurite refused to create the container: ${created.status} ${created.body.toString()}`);
  } catch (error) {
    await azurite.stop();
    throw error;
  }

  /** A SAS URL of a blob; handed-out URLs use blobOrigin (routeBlobsThrough), the fixture's own requests pass Azurite's origin. */
  const blobUrl = (blobName: string, permissions: string, headers: { contentType?: string; contentDisposition?: string } = {}, origin = blobOrigin ?? azurite.origin): string => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3600_000),
        ...headers,
      },
      credential,
    ).toString();
    const path = blobName.split('/').map(encodeURIComponent).join('/');
    return `${origin}/${AZURITE_ACCOUNT}/${CONTAINER}/${path}?${sas}`;
  };

  const isArchive = (artifact: Artifact): boolean => artifact.mimeType === 'application/zip' || artifact.mimeType === '';
  /** The read URL for the library: served with the artifact's type and file name. */
  const downloadUrl = (artifact: Artifact): string => {
    downloadCounts.set(artifact.id, (downloadCounts.get(artifact.id) ?? 0) + 1);
    const archive = isArchive(artifact);
    const fileName = archive && !artifact.name.toLowerCase().endsWith('.zip') ? `${artifact.name}.zip` : artifact.name;
    return blobUrl(artifact.blobName, 'r', { contentType: archive ? 'application/zip' : artifact.mimeType, contentDisposition: contentDisposition(fileName) });
  };

  const ensureRun = (runId: number): Run => {
    if (!Number.isSafeInteger(runId) || runId <= 0) throw new Error(`run id must be a positive integer, not ${runId}`);
    let run = runs.get(runId);
    if (!run) {
      run = { runId, backendId: randomUUID(), jobs: new Map() };
      runs.set(runId, run);
      runsByBackendId.set(run.backendId, run);
    }
    return run;
  };

  const finalized = (runId: number, name: string): Artifact => {
    const artifact = store.find((a) => a.runId === runId && a.name === name && a.finalized);
    if (!artifact) throw new Error(`run ${runId} has no artifact named ${JSON.stringify(name)}`);
    return artifact;
  };

  const runtimeToken = (run: Run, jobBackendId: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
    const payload = b64url(
      JSON.stringify({
        scp: `Actions.ExampleScope Actions.Results:${run.backendId}:${jobBackendId} Actions.UploadArtifacts:${run.backendId}:${jobBackendId}`,
        iss: 'wheel-guard-artifact-service',
        aud: 'actions.githubusercontent.com',
        nbf: now - 60,
        iat: now,
        exp: now + 6 * 3600,
      }),
    );
    const signature = createHmac('sha256', jwtSecret).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    issuedTokens.add(token);
    return token;
  };

  /** The run and job a runtime token grants, or a twirp `unauthenticated`. */
  const authorise = (req: IncomingMessage): { run: Run; jobBackendId: string } => {
    const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new TwirpError(401, 'unauthenticated', 'missing bearer token');
    const token = match[1]!;
    const [header, payload, signature] = token.split('.');
    const expected = createHmac('sha256', jwtSecret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature ?? '', 'base64url');
    if (!issuedTokens.has(token) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new TwirpError(401, 'unauthenticated', 'invalid token');
    }
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { scp?: string; exp?: number };
    if ((claims.exp ?? 0) * 1000 < Date.now()) throw new TwirpError(401, 'unauthenticated', 'token expired');
    const scope = (claims.scp ?? '').split(' ').find((s) => s.startsWith('Actions.Results:'));
    const [, runBackendId, jobBackendId] = (scope ?? '').split(':');
    const run = runsByBackendId.get(runBackendId ?? '');
    if (!run || !jobBackendId) throw new TwirpError(401, 'unauthenticated', 'token carries no results scope');
    return { run, jobBackendId };
  };

  // ---- twirp: github.actions.results.api.v1.ArtifactService ----

  const twirp: Record<string, (run: Run, jobBackendId: string, body: Record<string, unknown>) => Promise<unknown>> = {
    async CreateArtifact(run, jobBackendId, body) {
      const name = stringField(body, 'name');
      if (!name) throw new TwirpError(400, 'invalid_argument', 'name is required');
      if (stringField(body, 'workflow_job_run_backend_id') !== jobBackendId) {
        throw new TwirpError(403, 'permission_denied', 'the token does not grant this job');
      }
      if (store.some((a) => a.runId === run.runId && a.name === name && a.finalized)) {
        throw new TwirpError(409, 'already_exists', 'an artifact with this name already exists on the workflow run');
      }
      // An upload that never finalized is replaced (the client's retry after a failed blob upload).
      for (let i = store.length - 1; i >= 0; i--) if (store[i]!.runId === run.runId && store[i]!.name === name) store.splice(i, 1);
      const id = nextArtifactId++;
      const expiresAt = field(body, 'expires_at');
      const artifact: Artifact = {
        id,
        name,
        size: 0,
        digest: '',
        mimeType: wrapperField(body, 'mime_type') ?? '',
        job: jobNames.get(jobBackendId) ?? jobBackendId,
        createdAt: new Date(),
        runId: run.runId,
        jobBackendId,
        blobName: `${run.backendId}/${id}/${name}`,
        finalized: false,
        ...(typeof expiresAt === 'string' ? { expiresAt } : {}),
      };
      store.push(artifact);
      return { ok: true, signed_upload_url: blobUrl(artifact.blobName, 'cw') };
    },

    async FinalizeArtifact(run, _jobBackendId, body) {
      const name = stringField(body, 'name');
      const artifact = store.find((a) => a.runId === run.runId && a.name === name && !a.finalized);
      if (!artifact) {
        if (store.some((a) => a.runId === run.runId && a.name === name)) throw new TwirpError(412, 'failed_precondition', 'artifact is already finalized');
        throw new TwirpError(404, 'not_found', 'artifact not found');
      }
      artifact.size = int64Field(body, 'size');
      artifact.digest = wrapperField(body, 'hash') ?? '';
      artifact.createdAt = new Date();
      artifact.finalized = true;
      return { ok: true, artifact_id: String(artifact.id) };
    },

    async ListArtifacts(run, _jobBackendId, body) {
      const nameFilter = wrapperField(body, 'name_filter');
      const idFilter = wrapperField(body, 'id_filter');
      const artifacts = store
        .filter((a) => a.runId === run.runId && a.finalized)
        .filter((a) => nameFilter === undefined || a.name === nameFilter)
        .filter((a) => idFilter === undefined || String(a.id) === idFilter)
        .map((a) => ({
          workflow_run_backend_id: run.backendId,
          workflow_job_run_backend_id: a.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt.toISOString(),
          ...(a.digest ? { digest: a.digest } : {}),
        }));
      return { artifacts };
    },

    async GetSignedArtifactURL(run, _jobBackendId, body) {
      const name = stringField(body, 'name');
      const artifact = store.find((a) => a.runId === run.runId && a.name === name && a.finalized);
      if (!artifact) throw new TwirpError(404, 'not_found', 'artifact not found');
      return { signed_url: downloadUrl(artifact) };
    },

    async DeleteArtifact(run, _jobBackendId, body) {
      const name = stringField(body, 'name');
      const artifact = store.find((a) => a.runId === run.runId && a.name === name && a.finalized);
      if (!artifact) throw new TwirpError(404, 'not_found', 'artifact not found');
      await removeArtifact(artifact);
      return { ok: true, artifact_id: String(artifact.id) };
    },
  };

  const removeArtifact = async (artifact: Artifact): Promise<void> => {
    store.splice(store.indexOf(artifact), 1);
    const deleted = await blobRequest('DELETE', blobUrl(artifact.blobName, 'd', {}, azurite.origin));
    if (deleted.status !== 202 && deleted.status !== 404) throw new Error(`Azurite refused to delete ${artifact.blobName}: ${deleted.status}`);
  };

  const results = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://results');
    const prefix = `/twirp/${TWIRP_SERVICE}/`;
    const method = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    void (async () => {
      try {
        const handler = Object.hasOwn(twirp, method) ? twirp[method] : undefined;
        if (req.method !== 'POST' || !handler) throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${url.pathname}`);
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          throw new TwirpError(404, 'bad_route', `unexpected Content-Type: ${req.headers['content-type'] ?? ''}`);
        }
        const { run, jobBackendId } = authorise(req);
        let body: unknown;
        try {
          body = JSON.parse((await readBody(req)).toString('utf8'));
        } catch {
          throw new TwirpError(400, 'malformed', 'the request body is not JSON');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TwirpError(400, 'malformed', 'the request body is not a JSON object');
        const fields = body as Record<string, unknown>;
        if (stringField(fields, 'workflow_run_backend_id') !== run.backendId) {
          throw new TwirpError(403, 'permission_denied', 'the token does not grant this workflow run');
        }
        const answer = await handler(run, jobBackendId, fields);
        log.push(`twirp ${method} 200`);
        sendJson(res, 200, answer);
      } catch (error) {
        const twirpError = error instanceof TwirpError ? error : new TwirpError(500, 'internal', String(error));
        log.push(`twirp ${method || url.pathname} ${twirpError.status}`);
        sendJson(res, twirpError.status, { code: twirpError.code, msg: twirpError.message });
      }
    })();
  });

  // ---- REST: api.github.com ----

  const restArtifact = (artifact: Artifact) => {
    const base = `${apiUrl}/repos/${repository}/actions/artifacts/${artifact.id}`;
    return {
      id: artifact.id,
      node_id: b64url(`Artifact${artifact.id}`),
      name: artifact.name,
      size_in_bytes: artifact.size,
      url: base,
      archive_download_url: `${base}/zip`,
      expired: false,
      digest: artifact.digest || null,
      created_at: artifact.createdAt.toISOString(),
      updated_at: artifact.createdAt.toISOString(),
      expires_at: artifact.expiresAt ?? new Date(artifact.createdAt.getTime() + 90 * 86400_000).toISOString(),
      workflow_run: { id: artifact.runId, repository_id: 1, head_repository_id: 1, head_branch: 'main', head_sha: '0'.repeat(40) },
    };
  };

  const page = <T>(items: T[], query: URLSearchParams): T[] => {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
    const pageNumber = Math.max(1, Number(query.get('page') ?? 1) || 1);
    return items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  };

  const api = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    const path = url.pathname.replace(/\/+$/, '');
    void (async () => {
      let status = 200;
      try {
        const auth = /^(?:token|bearer) (\S+)$/i.exec(req.headers.authorization ?? '');
        if (!auth) throw new RestError(401, 'Requires authentication');
        const given = Buffer.from(auth[1]!);
        const wanted = Buffer.from(githubToken);
        if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new RestError(401, 'Bad credentials');

        const route = /^\/repos\/([^/]+)\/([^/]+)\/actions\/(.*)$/.exec(path);
        if (!route || route[1]!.toLowerCase() !== owner.toLowerCase() || route[2]!.toLowerCase() !== repoName.toLowerCase()) {
          throw new RestError(404, 'Not Found');
        }
        const rest = route[3]!;
        const live = store.filter((a) => a.finalized).sort((a, b) => b.id - a.id);
        const byName = (list: Artifact[]) => (url.searchParams.has('name') ? list.filter((a) => a.name === url.searchParams.get('name')) : list);
        let m: RegExpExecArray | null;
        if (req.method === 'GET' && (m = /^runs\/(\d+)\/artifacts$/.exec(rest))) {
          const runId = Number(m[1]);
          if (!runs.has(runId)) throw new RestError(404, 'Not Found');
          const list = byName(live.filter((a) => a.runId === runId));
          sendJson(res, 200, { total_count: list.length, artifacts: page(list, url.searchParams).map(restArtifact) });
          return;
        }
        if (req.method === 'GET' && rest === 'artifacts') {
          const list = byName(live);
          sendJson(res, 200, { total_count: list.length, artifacts: page(list, url.searchParams).map(restArtifact) });
          return;
        }
        if ((m = /^artifacts\/(\d+)(?:\/([^/]+))?$/.exec(rest))) {
          const artifact = live.find((a) => a.id === Number(m![1]));
          if (!artifact) throw new RestError(404, 'Not Found');
          const format = m[2];
          if (req.method === 'GET' && format === undefined) {
            sendJson(res, 200, restArtifact(artifact));
            return;
          }
          if (req.method === 'GET' && format === 'zip') {
            status = 302;
            res.writeHead(302, { location: downloadUrl(artifact), 'content-length': 0 });
            res.end();
            return;
          }
          if (req.method === 'DELETE' && format === undefined) {
            await removeArtifact(artifact);
            status = 204;
            res.writeHead(204);
            res.end();
            return;
          }
        }
        throw new RestError(404, 'Not Found');
      } catch (error) {
        const restError = error instanceof RestError ? error : new RestError(500, String(error));
        status = restError.status;
        sendJson(res, restError.status, { message: restError.message, documentation_url: 'https://docs.github.com/rest', status: String(restError.status) });
      } finally {
        log.push(`${req.method} ${path}${url.searchParams.has('name') ? `?name=${url.searchParams.get('name')}` : ''} ${status}`);
      }
    })();
  });

  let resultsUrl: string;
  let apiUrl: string;
  try {
    resultsUrl = await listen(results);
    apiUrl = await listen(api);
  } catch (error) {
    await Promise.all([close(results), close(api)]);
    await azurite.stop();
    throw error;
  }

  const noProxy = (): string => {
    const current = (process.env.NO_PROXY || process.env.no_proxy || '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const host of ['127.0.0.1', 'localhost']) if (!current.includes(host)) current.push(host);
    return current.join(',');
  };

  let stopped: Promise<void> | undefined;
  return {
    resultsUrl,
    apiUrl,
    azuriteBlobEndpoint: azurite.blobEndpoint,
    githubToken,
    repository,
    log,

    jobEnv(runRef, jobName = 'build') {
      const run = ensureRun(runRef.runId);
      let jobBackendId = run.jobs.get(jobName);
      if (!jobBackendId) {
        jobBackendId = randomUUID();
        run.jobs.set(jobName, jobBackendId);
        jobNames.set(jobBackendId, jobName);
      }
      return {
        ACTIONS_RUNTIME_TOKEN: runtimeToken(run, jobBackendId),
        ACTIONS_RESULTS_URL: `${resultsUrl}/`,
        GITHUB_API_URL: apiUrl,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: repository,
        GITHUB_REPOSITORY_OWNER: owner,
        GITHUB_RUN_ID: String(run.runId),
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_RUN_NUMBER: String(run.runId),
        GITHUB_JOB: jobName,
        NO_PROXY: noProxy(),
        no_proxy: noProxy(),
      };
    },

    artifacts(runId) {
      return store
        .filter((a) => a.runId === runId && a.finalized)
        .sort((a, b) => a.id - b.id)
        .map(({ id, name, size, digest, mimeType, job, createdAt }) => ({ id, name, size, digest, mimeType, job, createdAt }));
    },

    async blobBytes(runId, name) {
      const artifact = finalized(runId, name);
      const got = await blobRequest('GET', blobUrl(artifact.blobName, 'r', {}, azurite.origin));
      if (got.status !== 200) throw new Error(`Azurite answered ${got.status} for ${artifact.blobName}`);
      return got.body;
    },

    async tamperBlob(runId, name, mutate) {
      const artifact = finalized(runId, name);
      const got = await blobRequest('GET', blobUrl(artifact.blobName, 'r', {}, azurite.origin));
      if (got.status !== 200) throw new Error(`Azurite answered ${got.status} for ${artifact.blobName}`);
      const bytes = mutate(Buffer.from(got.body));
      const put = await blobRequest(
        'PUT',
        blobUrl(artifact.blobName, 'cw', {}, azurite.origin),
        {
          'x-ms-blob-type': 'BlockBlob',
          'x-ms-blob-content-type': String(got.headers['content-type'] ?? 'application/octet-stream'),
          'content-length': bytes.length,
        },
        bytes,
      );
      if (put.status !== 201) throw new Error(`Azurite refused to overwrite ${artifact.blobName}: ${put.status} ${put.body.toString()}`);
    },

    setDigest(runId, name, digest) {
      finalized(runId, name).digest = digest;
    },

    downloads(runId, name) {
      return downloadCounts.get(finalized(runId, name).id) ?? 0;
    },

    async putArtifact(runRef, name, bytes, options = {}) {
      const run = ensureRun(runRef.runId);
      if (store.some((a) => a.runId === run.runId && a.name === name && a.finalized)) throw new Error(`run ${run.runId} already has an artifact named ${JSON.stringify(name)}`);
      const id = nextArtifactId++;
      const artifact: Artifact = {
        id,
        name,
        size: bytes.length,
        digest: options.digest ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
        mimeType: 'application/zip',
        job: options.job ?? 'crafted',
        createdAt: new Date(),
        runId: run.runId,
        jobBackendId: randomUUID(),
        blobName: `${run.backendId}/${id}/${name}`,
        finalized: true,
      };
      const put = await blobRequest(
        'PUT',
        blobUrl(artifact.blobName, 'cw', {}, azurite.origin),
        { 'x-ms-blob-type': 'BlockBlob', 'x-ms-blob-content-type': 'application/zip', 'content-length': bytes.length },
        bytes,
      );
      if (put.status !== 201) throw new Error(`Azurite refused to store ${artifact.blobName}: ${put.status} ${put.body.toString()}`);
      store.push(artifact);
      const { mimeType, job, createdAt, digest, size } = artifact;
      return { id, name, size, digest, mimeType, job, createdAt };
    },

    routeBlobsThrough(origin) {
      blobOrigin = origin?.replace(/\/+$/, '');
    },

    stop() {
      stopped ??= (async () => {
        await Promise.all([close(results), close(api)]);
        await azurite.stop();
      })();
      return stopped;
    },
  };
}
