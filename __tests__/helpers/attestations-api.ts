/**
 * GitHub's attestations REST API, emulated for tests on 127.0.0.1 (what
 * `GITHUB_API_URL` names), with the routes and answers GitHub documents:
 *
 * - `GET /repos/{owner}/{repo}/attestations/{subject_digest}` with
 *   `per_page` (default 30, at most 100: more is cut to 100, as GitHub cuts
 *   it), `after`/`before` (opaque cursors) and `predicate_type` (`provenance`,
 *   `sbom`, or a predicate type URI): 200
 *   `{"attestations":[{"bundle":{…},"repository_id":N,"bundle_url":null}]}`,
 *   oldest first, with `Link: <…&after=CURSOR>; rel="next"` while more
 *   remain; 404 `{"message":"Not Found",…}` when the repository holds none for
 *   the digest (GitHub's answer, not an empty list);
 * - `POST /repos/{owner}/{repo}/attestations` with `{"bundle": {…}}` (what
 *   @actions/attest's writeAttestation sends): stored, 201 `{"id":N}`.
 *
 * Owner and repository are matched without case, the digest's hex too. Every
 * request needs `Authorization: Bearer TOKEN` (or `token TOKEN`, which
 * Octokit sends); anything else, none included, is 401 "Bad credentials".
 * `fail()` queues answers the next GETs get whatever they ask (before the
 * token is looked at: a proxy or load balancer in front of the API). Bodies
 * are JSON, request bodies bounded (10 MiB: 413).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { close, listen, readBody, stableId } from './sigstore.js';

export interface AttestationsApi {
  /** GITHUB_API_URL: http://127.0.0.1:PORT */
  url: string;
  /** The token it accepts. */
  token: string;
  /**
   * Stores a bundle under every sha256 subject digest of its in-toto statement,
   * or under `digests` (hex) when given: for a bundle whose statement cannot be
   * read (a message signature, a hostile payload), stored as it is.
   */
  add(repo: string, bundle: Record<string, unknown>, digests?: string[]): void;
  /** Answers for the next GETs (whatever their path), each used once, in order. */
  fail(...answers: { status: number; headers?: Record<string, string>; body?: string }[]): void;
  requests: { method: string; path: string; authorization?: string; at: number }[];
  /** What POSTs stored. */
  created: { repo: string; bundle: Record<string, unknown> }[];
  stop(): Promise<void>;
}

export interface AttestationsApiOptions {
  /** Default: a random ghs_… token. */
  token?: string;
  /** The most per_page honoured; default 100. */
  perPageMax?: number;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_PER_PAGE = 30;
const DOCS = 'https://docs.github.com/rest/repos/repos#list-attestations';
/** GitHub's `predicate_type` shorthands. */
const PREDICATE_ALIASES: Record<string, string[]> = {
  provenance: ['https://slsa.dev/provenance/v1'],
  sbom: ['https://spdx.dev/Document/v2.3', 'https://spdx.dev/Document', 'https://cyclonedx.org/bom'],
  release: ['https://in-toto.io/attestation/release/v0.1'],
};

interface Stored {
  id: number;
  bundle: Record<string, unknown>;
  predicateType: string;
}

interface Repository {
  id: number;
  /** sha256 hex (lower case) → attestations naming it, in the order stored. */
  byDigest: Map<string, Stored[]>;
}

/** The in-toto statement a bundle's DSSE envelope carries: its sha256 subject digests and predicate type. */
function statementOf(bundle: Record<string, unknown>): { digests: string[]; predicateType: string } {
  const envelope = (bundle as { dsseEnvelope?: { payload?: unknown } }).dsseEnvelope;
  if (typeof envelope?.payload !== 'string') throw new Error('the bundle has no dsseEnvelope.payload');
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { subject?: unknown; predicateType?: unknown };
  const subjects = Array.isArray(statement.subject) ? (statement.subject as { digest?: { sha256?: unknown } }[]) : [];
  const digests = [...new Set(subjects.map((s) => s?.digest?.sha256).filter((d): d is string => typeof d === 'string').map((d) => d.toLowerCase()))];
  return { digests, predicateType: String(statement.predicateType ?? '') };
}

const cursor = (offset: number): string => Buffer.from(`wg:${offset}`).toString('base64url');
function offsetOf(value: string): number | undefined {
  const match = /^wg:(\d+)$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startAttestationsApi(options: AttestationsApiOptions = {}): Promise<AttestationsApi> {
  const token = options.token ?? `ghs_${randomBytes(18).toString('base64url')}`;
  const perPageMax = options.perPageMax ?? 100;
  const repositories = new Map<string, Repository>(); // owner/repo in lower case
  const requests: AttestationsApi['requests'] = [];
  const created: AttestationsApi['created'] = [];
  const failures: { status: number; headers?: Record<string, string>; body?: string }[] = [];
  let nextId = 1;
  let url = '';

  const repository = (name: string): Repository => {
    const key = name.toLowerCase();
    let repo = repositories.get(key);
    if (!repo) {
      // The id the OIDC token's repository_id claim carries for it (sigstore.ts actionsClaims).
      repo = { id: Number(stableId(name)), byDigest: new Map() };
      repositories.set(key, repo);
    }
    return repo;
  };

  const store = (name: string, bundle: Record<string, unknown>, given?: string[]): number => {
    const { digests, predicateType } = given ? { digests: given.map((d) => d.toLowerCase()), predicateType: '' } : statementOf(bundle);
    if (digests.length === 0) throw new Error('the statement names no sha256 subject');
    const repo = repository(name);
    const stored: Stored = { id: nextId++, bundle, predicateType };
    for (const digest of digests) {
      const list = repo.byDigest.get(digest) ?? [];
      list.push(stored);
      repo.byDigest.set(digest, list);
    }
    return stored.id;
  };

  const authorised = (req: IncomingMessage): boolean => {
    const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) return false;
    const given = Buffer.from(match[1]!);
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const list = (res: ServerResponse, owner: string, repo: string, digest: string, query: URLSearchParams): void => {
    const notFound = (): void => sendJson(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const match = /^sha256:([0-9a-fA-F]{64})$/.exec(digest);
    if (!match) {
      sendJson(res, 422, { message: 'Invalid subject digest', documentation_url: DOCS, status: '422' });
      return;
    }
    let all = repositories.get(`${owner}/${repo}`.toLowerCase())?.byDigest.get(match[1]!.toLowerCase()) ?? [];
    const predicate = query.get('predicate_type');
    if (predicate) {
      const wanted = PREDICATE_ALIASES[predicate] ?? [predicate];
      all = all.filter((a) => wanted.includes(a.predicateType));
    }
    if (all.length === 0) return notFound();
    const asked = Number(query.get('per_page') ?? DEFAULT_PER_PAGE);
    const perPage = Number.isInteger(asked) && asked > 0 ? Math.min(asked, perPageMax) : DEFAULT_PER_PAGE;
    let start = 0;
    for (const name of ['after', 'before'] as const) {
      const value = query.get(name);
      if (value === null || value === '') continue;
      const offset = offsetOf(value);
      if (offset === undefined || offset > all.length) {
        sendJson(res, 400, { message: `Invalid ${name} cursor`, documentation_url: DOCS, status: '400' });
        return;
      }
      start = name === 'after' ? offset : Math.max(0, offset - perPage);
    }
    const page = all.slice(start, start + perPage);
    const headers: Record<string, string> = {};
    const links: string[] = [];
    const self = new URL(`${url}/repos/${owner}/${repo}/attestations/${digest}`);
    self.searchParams.set('per_page', String(perPage));
    if (predicate) self.searchParams.set('predicate_type', predicate);
    if (start + perPage < all.length) {
      const next = new URL(self);
      next.searchParams.set('after', cursor(start + perPage));
      links.push(`<${next.href}>; rel="next"`);
    }
    if (start > 0) {
      const prev = new URL(self);
      prev.searchParams.set('before', cursor(start));
      links.push(`<${prev.href}>; rel="prev"`);
    }
    if (links.length > 0) headers.link = links.join(', ');
    const repositoryId = repository(`${owner}/${repo}`).id;
    sendJson(res, 200, { attestations: page.map((a) => ({ bundle: a.bundle, repository_id: repositoryId, bundle_url: null })) }, headers);
  };

  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: `${target.pathname}${target.search}`, ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}), at: Date.now() });
    void (async () => {
      if (req.method === 'GET' && failures.length > 0) {
        req.resume();
        const failure = failures.shift()!;
        const body = failure.body ?? JSON.stringify({ message: `Failure ${failure.status}`, status: String(failure.status) });
        res.writeHead(failure.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...failure.headers });
        res.end(body);
        return;
      }
      if (!authorised(req)) {
        req.resume();
        sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
        return;
      }
      let segments: string[];
      try {
        segments = target.pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
      } catch {
        segments = [];
      }
      const [first, owner, repo, kind, digest, ...rest] = segments;
      if (first !== 'repos' || !owner || !repo || kind !== 'attestations' || rest.length > 0) {
        req.resume();
        sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
        return;
      }
      if (req.method === 'GET' && digest !== undefined) {
        req.resume();
        list(res, owner, repo, digest, target.searchParams);
        return;
      }
      if (req.method === 'POST' && digest === undefined) {
        const body = await readBody(req, MAX_BODY_BYTES);
        if (!body) {
          sendJson(res, 413, { message: 'Payload too large', status: '413' });
          return;
        }
        let bundle: unknown;
        try {
          bundle = (JSON.parse(body.toString('utf8')) as { bundle?: unknown }).bundle;
        } catch {
          sendJson(res, 400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
          return;
        }
        if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) {
          sendJson(res, 422, { message: 'Invalid request.\n\n"bundle" wasn\'t supplied.', documentation_url: DOCS, status: '422' });
          return;
        }
        let id: number;
        try {
          id = store(`${owner}/${repo}`, bundle as Record<string, unknown>);
        } catch (error: unknown) {
          sendJson(res, 422, { message: `Invalid bundle: ${(error as Error).message}`, documentation_url: DOCS, status: '422' });
          return;
        }
        created.push({ repo: `${owner}/${repo}`, bundle: bundle as Record<string, unknown> });
        sendJson(res, 201, { id });
        return;
      }
      req.resume();
      sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(error) });
      else res.destroy();
    });
  });

  url = await listen(server);
  let stopped: Promise<void> | undefined;
  return {
    url,
    token,
    requests,
    created,
    add(repo, bundle, digests) {
      store(repo, bundle, digests);
    },
    fail(...answers) {
      failures.push(...answers);
    },
    stop() {
      return (stopped ??= close(server));
    },
  };
}
