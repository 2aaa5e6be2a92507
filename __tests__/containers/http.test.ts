/**
 * The https:// container against real Node HTTP servers on 127.0.0.1:
 * listings (directory, PEP 503 with files elsewhere, PEP 691, SHA256SUMS,
 * gzip), redirects and their cap, credentials kept to their origin, resume
 * with Range + If-Range, a 200 instead of a 206, statuses, caps.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpContainer } from '../../src/containers/http.js';
import { AzureContainer } from '../../src/containers/azure.js';
import { openContainer } from '../../src/containers/index.js';
import { LimitError } from '../../src/core/bounds.js';
import { ContainerError, InputError, IntegrityError, NotFoundError, TransferError, UnreachableError } from '../../src/core/errors.js';
import { urlSecrets } from '../../src/core/action.js';
import { getPostBuildInputs } from '../../src/post-build/inputs.js';
import { downloadVerified, readSidecar } from '../../src/core/transfer.js';
import { SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, useTempDirs } from '../helpers/tmp.js';
import { lacks, openssl } from '../helpers/tools.js';

const tempDir = useTempDirs();

const WHEEL = basename(SAMPLE_WHEEL);
const SMALL = basename(SAMPLE_SMALL_WHEEL);
const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const fast = { sleep: async () => {} };

/** One request as the server saw it. */
interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

interface TestServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A real HTTP server on 127.0.0.1, a random port, answering with `handler`; every request recorded. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void | Promise<void>): Promise<TestServer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    void Promise.resolve(handler(req, res, seen)).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const made: TestServer = {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.push(made);
  return made;
}

/** Serves a static tree: path → body (and optional headers); 404 otherwise. */
function files(tree: Record<string, string | Buffer | { body: string | Buffer; headers?: Record<string, string>; status?: number }>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0]!;
    const item = tree[path];
    if (item === undefined) {
      res.writeHead(404).end('not here');
      return;
    }
    const { body, headers = {}, status = 200 } = typeof item === 'string' || Buffer.isBuffer(item) ? { body: item } : item;
    res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers }).end(body);
  };
}

const autoindex = (names: string[]): string =>
  `<html><head><title>Index of /wheels/</title></head><body><h1>Index of /wheels/</h1><hr><pre><a href="../">../</a>\n${names
    .map((name) => `<a href="${encodeURIComponent(name)}">${name}</a>    29-Nov-2026 11:02    1`)
    .join('\n')}\n</pre><hr></body></html>`;

const sidecarText = (bytes: Buffer, name: string): string => `${sha(bytes)}  ${name}\n`;

/** The wheel served with an ETag; the first GET (no Range) breaks off after `cut` bytes unless told otherwise. */
function breakingFile(
  bytes: Buffer,
  options: { cut: number; etag: (request: number) => string; honourRanges: boolean; lastModified?: string },
): (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void {
  let requests = 0;
  return (req, res) => {
    requests++;
    const etag = options.etag(requests);
    const headers: Record<string, string> = { etag, 'accept-ranges': options.honourRanges ? 'bytes' : 'none', ...(options.lastModified ? { 'last-modified': options.lastModified } : {}) };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && options.honourRanges && (ifRange === undefined || ifRange === etag)) {
      const start = Number(range[1]);
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`, 'content-length': bytes.length - start });
      res.end(bytes.subarray(start));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': bytes.length });
    if (requests === 1) {
      // Half the file, then the connection drops.
      res.write(bytes.subarray(0, options.cut), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(bytes);
  };
}

describe('listing', () => {
  it('a directory listing: wheels and their sidecars, read through the container, a wheel downloaded and verified', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const server = await serve(
      files({
        '/wheels/': autoindex([WHEEL, `${WHEEL}.sha256`]),
        [`/wheels/${WHEEL}`]: wheel,
        [`/wheels/${WHEEL}.sha256`]: sidecarText(wheel, WHEEL),
      }),
    );
    const box = new HttpContainer(`${server.origin}/wheels/`);
    expect(await box.list()).toEqual([{ name: WHEEL }, { name: `${WHEEL}.sha256` }]);
    expect(server.seen[0]!.headers.accept).toContain('application/vnd.pypi.simple.v1+json');
    const expected = await readSidecar(box, WHEEL);
    expect(expected).toBe(sha(wheel));
    const dir = await tempDir();
    const result = await downloadVerified(box, WHEEL, expected, undefined, dir, { retries: 0, ...fast });
    expect(result.sha256).toBe(sha(wheel));
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
    // Wheels are asked for as they are stored, never re-encoded.
    expect(server.seen.at(-1)!.headers['accept-encoding']).toBe('identity');
    await box.finish();
  });

  it('a PEP 503 page: files on another path (../../packages) and another host, #sha256= stated, after a redirect to the normalised name', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const small = await readFile(SAMPLE_SMALL_WHEEL);
    const cdn = await serve(files({ [`/files/${SMALL}`]: small }));
    const page = `<!DOCTYPE html><html><body><h1>Links for wheel</h1>
      <a href="../../packages/7d/cd/${WHEEL}#sha256=${sha(wheel)}" data-requires-python="&gt;=3.8">${WHEEL}</a><br/>
      <a href="${cdn.origin}/files/${SMALL}#sha256=${sha(small)}" data-yanked="">${SMALL}</a><br/></body></html>`;
    const index = await serve(
      files({
        '/simple/Wheel/': { body: '', status: 301, headers: { location: '/simple/wheel/' } },
        '/simple/wheel/': { body: page, headers: { 'content-type': 'text/html' } },
        [`/packages/7d/cd/${WHEEL}`]: wheel,
      }),
    );
    const box = new HttpContainer(`${index.origin}/simple/Wheel/`);
    const entries = await box.list();
    expect(entries).toEqual([
      { name: WHEEL, listedSha256: sha(wheel), listedFrom: "the index page's #sha256= fragment" },
      { name: SMALL, listedSha256: sha(small), listedFrom: "the index page's #sha256= fragment", yanked: '' },
    ]);
    const dir = await tempDir();
    for (const entry of entries) {
      await downloadVerified(box, entry.name, entry.listedSha256!, entry.size, dir, { retries: 0, ...fast });
    }
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
    expect(await readFile(join(dir, SMALL))).toEqual(small);
    // The relative link resolved against the page's final address (after the redirect).
    expect(index.seen.map((request) => request.url)).toEqual(['/simple/Wheel/', '/simple/wheel/', `/packages/7d/cd/${WHEEL}`]);
    expect(cdn.seen.map((request) => request.url)).toEqual([`/files/${SMALL}`]);
    await expect(box.read(`${WHEEL}.sha256`)).rejects.toThrow(NotFoundError);
    expect(await box.stat(WHEEL)).toMatchObject({ name: WHEEL, listedSha256: sha(wheel) });
    await box.finish();
  });

  it('a PEP 691 JSON page: url, hashes.sha256, size, yanked', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const doc = {
      meta: { 'api-version': '1.1' },
      name: 'wheel',
      files: [{ filename: WHEEL, url: `../../packages/${WHEEL}`, hashes: { sha256: sha(wheel) }, size: wheel.length, yanked: 'bad build' }],
    };
    const server = await serve(
      files({ '/simple/wheel/': { body: JSON.stringify(doc), headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' } }, [`/packages/${WHEEL}`]: wheel }),
    );
    const box = new HttpContainer(`${server.origin}/simple/wheel/`);
    expect(await box.list()).toEqual([{ name: WHEEL, size: wheel.length, listedSha256: sha(wheel), listedFrom: "the index's JSON hashes", yanked: 'bad build' }]);
    const dir = await tempDir();
    await downloadVerified(box, WHEEL, sha(wheel), wheel.length, dir, { retries: 0, ...fast });
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
  });

  it('a file served at another length than its PEP 691 size is refused before it is downloaded', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const doc = { meta: { 'api-version': '1.1' }, name: 'wheel', files: [{ filename: WHEEL, url: WHEEL, hashes: { sha256: sha(wheel) }, size: wheel.length + 1 }] };
    const server = await serve(files({ '/simple/wheel/': { body: JSON.stringify(doc), headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' } }, [`/simple/wheel/${WHEEL}`]: wheel }));
    const error = await new HttpContainer(`${server.origin}/simple/wheel/`).read(WHEEL).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`${WHEEL}: ${server.origin}/simple/wheel/${WHEEL} sends ${wheel.length} bytes, the listing says ${wheel.length + 1}; refused`);
    expect((error as { retryable?: boolean }).retryable).toBe(false);
  });

  it('a SHA256SUMS file: the names beside it, each with its digest', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const server = await serve(files({ '/r/1.0/SHA256SUMS': `${sha(wheel)}  ${WHEEL}\n`, [`/r/1.0/${WHEEL}`]: wheel }));
    const box = new HttpContainer(`${server.origin}/r/1.0/SHA256SUMS`);
    expect(await box.list()).toEqual([{ name: WHEEL, listedSha256: sha(wheel), listedFrom: `SHA256SUMS at ${server.origin}/r/1.0/SHA256SUMS` }]);
    const dir = await tempDir();
    await downloadVerified(box, WHEEL, sha(wheel), undefined, dir, { retries: 0, ...fast });
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
  });

  it('a gzip-compressed listing is inflated', async () => {
    const server = await serve((req, res) => {
      expect(req.headers['accept-encoding']).toContain('gzip');
      const body = gzipSync(autoindex([WHEEL, `${WHEEL}.sha256`]));
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
    });
    expect((await new HttpContainer(`${server.origin}/wheels/`).list()).map((entry) => entry.name)).toEqual([WHEEL, `${WHEEL}.sha256`]);
  });

  it('reads before any listing share one fetch of it', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const server = await serve(files({ '/w/': autoindex([WHEEL, `${WHEEL}.sha256`]), [`/w/${WHEEL}.sha256`]: sidecarText(wheel, WHEEL) }));
    const box = new HttpContainer(`${server.origin}/w/`);
    const digests = await Promise.all([1, 2, 3, 4].map(() => readSidecar(box, WHEEL)));
    expect(new Set(digests)).toEqual(new Set([sha(wheel)]));
    expect(server.seen.filter((request) => request.url === '/w/')).toHaveLength(1);
  });

  it('one name linked twice to different addresses is reported refused, naming both', async () => {
    const page = `<a href="a/${WHEEL}">x</a><a href="b/${WHEEL}">y</a>`;
    const server = await serve(files({ '/p/': { body: page, headers: { 'content-type': 'text/html' } } }));
    const box = new HttpContainer(`${server.origin}/p/`);
    const [entry] = await box.list();
    expect(entry!.refused).toContain(`${server.origin}/p/a/${WHEEL}`);
    expect(entry!.refused).toContain(`${server.origin}/p/b/${WHEEL}`);
    await expect(box.read(WHEEL)).rejects.toThrow(NotFoundError);
  });

  it('an endless listing is refused at 32 MiB, not read whole', async () => {
    let sent = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const line = Buffer.from(`<a href="x-1.0-py3-none-any.whl">x</a>${' '.repeat(1000)}\n`);
      const chunk = Buffer.concat(Array.from({ length: 64 }, () => line));
      const pump = (): void => {
        while (!res.destroyed && sent < 1024 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => undefined);
      pump();
    });
    const before = process.memoryUsage().rss;
    const error = await new HttpContainer(`${server.origin}/endless/`).list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect((error as Error).message).toMatch(/larger than 32 MiB: refused/);
    // The client stopped reading near the cap (socket buffers aside), far short of the 1 GiB on offer.
    expect(sent).toBeLessThan(48 * 1024 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('a gzip bomb is refused at 32 MiB of inflated text', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 });
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
    });
    await expect(new HttpContainer(`${server.origin}/`).list()).rejects.toThrow(/larger than 32 MiB/);
  });

  it('what is no listing at all is one clear error; a listing that is not there is a ContainerError', async () => {
    const server = await serve(files({ '/x': { body: 'hello', headers: { 'content-type': 'text/plain' } } }));
    await expect(new HttpContainer(`${server.origin}/x`).list()).rejects.toThrow(/neither a PEP 691 or 503 simple page, a directory listing nor a SHA256SUMS file/);
    const missing = await new HttpContainer(`${server.origin}/nothing/`).list().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ContainerError);
    expect((missing as Error).message).toMatch(/nothing at .*\/nothing\/ \(404\)/);
  });
});

/** A self-signed certificate for 127.0.0.1, made by openssl for this run. */
async function selfSigned(): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = await tempDir('wg-tls');
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', ...subject, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  return { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) };
}

/** An https server on 127.0.0.1 with a self-signed certificate. */
async function serveTls(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createHttpsServer(await selfSigned(), handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push({ origin: '', seen: [], close });
  return { origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

describe.skipIf(lacks('openssl'))('https', () => {
  it('a certificate the machine does not trust: one ContainerError naming it and NODE_EXTRA_CA_CERTS', async () => {
    const tls = await serveTls((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end(autoindex([WHEEL])));
    const error = await new HttpContainer(`${tls.origin}/w/`).list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerError);
    expect((error as Error).message).toMatch(/its TLS certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\).*NODE_EXTRA_CA_CERTS/);
  });

  it('a redirect from https to plain http is refused, naming both', async () => {
    const plain = await serve(files({ '/w/': autoindex([WHEEL]) }));
    const tls = await serveTls((_req, res) => void res.writeHead(302, { location: `${plain.origin}/w/` }).end());
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // this test's own certificate
    try {
      const error = await new HttpContainer(`${tls.origin}/w/`).list().catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/redirects to plain http:\/\/ \(http:\/\/127\.0\.0\.1:\d+\); refused/);
      expect(plain.seen).toHaveLength(0);
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    }
  });
});

describe('redirects and credentials', () => {
  it('follows up to 5 redirects, refuses the 6th', async () => {
    const server = await serve((req, res) => {
      const step = Number(/^\/r(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
      if (step >= 0 && step < 10) return void res.writeHead(302, { location: `/r${step + 1}` }).end();
      res.writeHead(200, { 'content-type': 'text/html' }).end(autoindex([WHEEL]));
    });
    // r5 → … → r10: five redirects.
    expect(await new HttpContainer(`${server.origin}/r5`).list()).toEqual([{ name: WHEEL }]);
    const error = await new HttpContainer(`${server.origin}/r4`).list().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/more than 5 redirects/);
  });

  it('sends the URL credentials to the container origin only: never to another host a link or redirect leads to, never in a message', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const small = await readFile(SAMPLE_SMALL_WHEEL);
    const other = await serve(files({ [`/cdn/${WHEEL}`]: wheel, [`/cdn/${SMALL}`]: small, '/cdn/secret': { body: '', status: 403 } }));
    const page = `<a href="${other.origin}/cdn/${WHEEL}#sha256=${sha(wheel)}">a</a><a href="/go/${SMALL}#sha256=${sha(small)}">b</a><a href="${other.origin}/cdn/secret#sha256=${'0'.repeat(64)}">c</a>`;
    const home = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('release-bot:s3cr3t/t0ken').toString('base64')}`) {
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      }
      if (req.url === '/simple/x/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      if (req.url === `/go/${SMALL}`) return void res.writeHead(307, { location: `${other.origin}/cdn/${SMALL}` }).end();
      res.writeHead(404).end();
    });
    const raw = `${home.origin.replace('http://', 'http://release-bot:s3cr3t%2Ft0ken@')}/simple/x/`;
    const box = openContainer(raw, '/') as HttpContainer;
    expect(box.url).toBe(`${home.origin}/simple/x/`);
    expect(box.readOnly).toBe(true);
    const entries = await box.list();
    expect(entries.map((entry) => entry.name)).toEqual(['secret', WHEEL, SMALL]);
    const dir = await tempDir();
    await downloadVerified(box, WHEEL, sha(wheel), undefined, dir, { retries: 0, ...fast });
    await downloadVerified(box, SMALL, sha(small), undefined, dir, { retries: 0, ...fast });
    const refused = await box.read('secret').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ContainerError);
    expect((refused as Error).message).toMatch(/credentials are sent to http:\/\/127\.0\.0\.1:\d+ only/);
    expect((refused as Error).message).not.toContain('s3cr3t');
    // The container's own host saw the credentials on every request; the other host on none.
    expect(home.seen.length).toBe(2);
    expect(home.seen.every((request) => request.headers.authorization !== undefined)).toBe(true);
    expect(other.seen.map((request) => request.url)).toEqual([`/cdn/${WHEEL}`, `/cdn/${SMALL}`, '/cdn/secret']);
    expect(other.seen.every((request) => request.headers.authorization === undefined)).toBe(true);
    await box.finish();
  });

  it('no credentials, or wrong ones: one ContainerError naming the address, never the secret', async () => {
    const server = await serve((_req, res) => void res.writeHead(401).end());
    const without = await new HttpContainer(`${server.origin}/simple/x/`).list().catch((e: unknown) => e);
    expect(without).toBeInstanceOf(ContainerError);
    expect((without as Error).message).toMatch(/answered 401: it needs credentials; give them in the container URL/);
    const wrong = await new HttpContainer(`${server.origin.replace('//', '//me:hunter2@')}/simple/x/`).list().catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/the credentials in the container URL were refused/);
    expect((wrong as Error).message).not.toContain('hunter2');
    expect((wrong as Error).message).toContain(`${server.origin}/simple/x/`);
  });
});

describe('reads: resume, restart, statuses', () => {
  it('resumes a broken download with Range and If-Range (the strong ETag)', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const file = breakingFile(wheel, { cut: 30_000, etag: () => '"v1"', honourRanges: true });
    const server = await serve(files({ '/w/': autoindex([WHEEL]) }));
    const data = await serve(file);
    const page = `<a href="${data.origin}/${WHEEL}">x</a>`;
    const index = await serve(files({ '/w/': { body: page, headers: { 'content-type': 'text/html' } } }));
    void server;
    const box = new HttpContainer(`${index.origin}/w/`);
    await box.list();
    const dir = await tempDir();
    const result = await downloadVerified(box, WHEEL, sha(wheel), undefined, dir, { retries: 2, ...fast });
    expect(result.attempts).toBe(2);
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
    expect(data.seen).toHaveLength(2);
    expect(data.seen[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(data.seen[1]!.headers.range!)![0])).toBeGreaterThan(0);
    expect(data.seen[1]!.headers['if-range']).toBe('"v1"');
  });

  it('a file that changed (new ETag) answers 200 to the ranged request: the download starts over, hash and all', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const data = await serve(breakingFile(wheel, { cut: 30_000, etag: (n) => `"v${n}"`, honourRanges: true }));
    const index = await serve(files({ '/w/': { body: `<a href="${data.origin}/${WHEEL}">x</a>`, headers: { 'content-type': 'text/html' } } }));
    const box = new HttpContainer(`${index.origin}/w/`);
    const dir = await tempDir();
    const result = await downloadVerified(box, WHEEL, sha(wheel), undefined, dir, { retries: 2, ...fast });
    expect(result.attempts).toBe(2);
    expect(data.seen[1]!.headers['if-range']).toBe('"v1"');
    // Not the first 30,000 bytes twice: the whole file once, verified.
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
  });

  it('a server that ignores ranges (python http.server) still ends verified; a weak ETag falls back to Last-Modified', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const lastModified = 'Sun, 29 Nov 2026 11:02:00 GMT';
    const data = await serve(breakingFile(wheel, { cut: 40_000, etag: () => 'W/"weak"', honourRanges: false, lastModified }));
    const index = await serve(files({ '/w/': { body: `<a href="${data.origin}/${WHEEL}">x</a>`, headers: { 'content-type': 'text/html' } } }));
    const box = new HttpContainer(`${index.origin}/w/`);
    const dir = await tempDir();
    const result = await downloadVerified(box, WHEEL, sha(wheel), undefined, dir, { retries: 2, ...fast });
    // The 200 restarted the file in the same attempt (appended to the first part, it would have failed its hash once more).
    expect(result.attempts).toBe(2);
    expect(data.seen).toHaveLength(2);
    expect(data.seen[1]!.headers['if-range']).toBe(lastModified);
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
  });

  it('416 at the end of the file is an empty rest; a 206 from elsewhere than asked is refused', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const data = await serve((req, res) => {
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? -1);
      if (start >= wheel.length) return void res.writeHead(416, { 'content-range': `bytes */${wheel.length}` }).end();
      if (start > 0) return void res.writeHead(206, { 'content-range': `bytes 0-${wheel.length - 1}/${wheel.length}`, 'content-length': wheel.length }).end(wheel);
      res.writeHead(200, { etag: '"e"', 'content-length': wheel.length }).end(wheel);
    });
    const index = await serve(files({ '/w/': { body: `<a href="${data.origin}/${WHEEL}">x</a>`, headers: { 'content-type': 'text/html' } } }));
    const box = new HttpContainer(`${index.origin}/w/`);
    const whole = await box.read(WHEEL);
    expect(whole.startsAt).toBe(0);
    for await (const _ of whole) void _;
    const rest = await box.read(WHEEL, wheel.length);
    expect(rest.startsAt).toBe(wheel.length);
    const chunks: Buffer[] = [];
    for await (const chunk of rest) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toHaveLength(0);
    await expect(box.read(WHEEL, 100)).rejects.toThrow(/asked .* for bytes from 100, got "bytes 0-65774\/65775"/);
  });

  it('without a validator no range is asked for: the whole file again', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    let requests = 0;
    const data = await serve((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-length': wheel.length });
      if (requests === 1) return void res.write(wheel.subarray(0, 10_000), () => setTimeout(() => res.socket?.destroy(), 20));
      res.end(wheel);
    });
    const index = await serve(files({ '/w/': { body: `<a href="${data.origin}/${WHEEL}">x</a>`, headers: { 'content-type': 'text/html' } } }));
    const dir = await tempDir();
    await downloadVerified(new HttpContainer(`${index.origin}/w/`), WHEEL, sha(wheel), undefined, dir, { retries: 1, ...fast });
    expect(data.seen[1]!.headers.range).toBeUndefined();
    expect(await readFile(join(dir, WHEEL))).toEqual(wheel);
  });

  it('404 and 410 are NotFoundError; 429 and 503 are retried after their Retry-After', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    let requests = 0;
    const data = await serve((req, res) => {
      if (req.url === '/gone') return void res.writeHead(410).end();
      if (req.url !== `/${WHEEL}`) return void res.writeHead(404).end();
      requests++;
      if (requests === 1) return void res.writeHead(429, { 'retry-after': '7' }).end();
      if (requests === 2) return void res.writeHead(503, { 'retry-after': '3' }).end();
      res.writeHead(200, { 'content-length': wheel.length }).end(wheel);
    });
    const page = `<a href="${data.origin}/${WHEEL}">x</a><a href="${data.origin}/gone">y</a><a href="${data.origin}/missing">z</a>`;
    const index = await serve(files({ '/w/': { body: page, headers: { 'content-type': 'text/html' } } }));
    const box = new HttpContainer(`${index.origin}/w/`);
    await expect(box.read('gone')).rejects.toThrow(NotFoundError);
    await expect(box.read('missing')).rejects.toThrow(NotFoundError);
    const delays: number[] = [];
    const dir = await tempDir();
    const result = await downloadVerified(box, WHEEL, sha(wheel), undefined, dir, { retries: 3, sleep: async (ms) => void delays.push(ms), baseDelayMs: 1 });
    expect(result.attempts).toBe(3);
    expect(delays).toEqual([7000, 3000]);
    const error = await box.read('gone').catch((e: unknown) => e);
    expect((error as Error).message).toContain(`${data.origin}/gone answered 410`);
  });

  it('a 429 is a retryable TransferError carrying retryAfterMs', async () => {
    const data = await serve((_req, res) => void res.writeHead(429, { 'retry-after': '2' }).end());
    const index = await serve(files({ '/w/': { body: `<a href="${data.origin}/${WHEEL}">x</a>`, headers: { 'content-type': 'text/html' } } }));
    const error = await new HttpContainer(`${index.origin}/w/`).read(WHEEL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 2000 });
  });

  it('a wheel that does not hash right is an IntegrityError, nothing placed', async () => {
    const wheel = await readFile(SAMPLE_WHEEL);
    const server = await serve(files({ '/w/': autoindex([WHEEL]), [`/w/${WHEEL}`]: wheel }));
    const dir = await tempDir();
    await expect(downloadVerified(new HttpContainer(`${server.origin}/w/`), WHEEL, '0'.repeat(64), undefined, dir, { retries: 1, ...fast })).rejects.toThrow(IntegrityError);
    await expect(readFile(join(dir, WHEEL))).rejects.toThrow();
  });

  it('a sidecar over 4 KiB is refused, not read whole', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/w/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(autoindex([WHEEL, `${WHEEL}.sha256`]));
      res.writeHead(200);
      const pump = (): void => {
        while (!res.destroyed && res.write(Buffer.alloc(65536, 0x61)));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await expect(readSidecar(new HttpContainer(`${server.origin}/w/`), WHEEL)).rejects.toThrow(/larger than 4 KiB/);
  });

  it('a host that does not answer is UnreachableError naming it', async () => {
    const server = await serve(() => undefined);
    const port = new URL(server.origin).port;
    await server.close();
    const error = await new HttpContainer(`http://127.0.0.1:${port}/w/`).list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ for the listing \(ECONNREFUSED\)/);
  });
});

describe('opening', () => {
  it('is read-only: write and remove throw, post-build refuses it in one line naming the writable containers', async () => {
    const box = openContainer('https://example.org/simple/x/');
    expect(box).toBeInstanceOf(HttpContainer);
    expect(box.readOnly).toBe(true);
    await expect(box.remove('x')).rejects.toThrow(/read-only/);
    const get = (name: string): string => (name === 'container' ? 'https://user:pw@example.org/simple/x/' : '');
    let error: unknown;
    try {
      getPostBuildInputs(get, '/tmp');
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'container: https://example.org/simple/x/ is read-only (a web address); post-build writes to a directory, file://, s3:// or artifact://',
    );
  });

  it('the secret of a container URL, as written and decoded, is what the action masks', () => {
    expect(urlSecrets('https://bot:t%2F0ken@h/simple/x/')).toEqual(['t%2F0ken', 't/0ken']);
    expect(urlSecrets('https://ghp_abc@h/x/')).toEqual(['ghp_abc']);
    expect(urlSecrets('https://h/x/')).toEqual([]);
    expect(urlSecrets('s3://b/p')).toEqual([]);
    expect(urlSecrets('https://user:@h/x')).toEqual([]);
  });

  it('warns once about plain http:// off this machine, not on loopback', () => {
    expect(new HttpContainer('http://wheels.example.org/x/').warnings).toEqual([expect.stringMatching(/plain http:\/\/ off this machine: nothing authenticates the server/)]);
    expect(new HttpContainer('http://127.0.0.1:8080/x/').warnings).toEqual([]);
    expect(new HttpContainer('http://localhost/x/').warnings).toEqual([]);
    expect(new HttpContainer('http://[::1]:80/x/').warnings).toEqual([]);
    expect(new HttpContainer('https://wheels.example.org/x/').warnings).toEqual([]);
  });

  it('leaves Azure Blob addresses to the azure:// container, and never echoes credentials of a bad URL', () => {
    expect(openContainer('https://acct.blob.core.windows.net/wheels/1.0')).toBeInstanceOf(AzureContainer);
    expect(openContainer('https://acct.blob.core.windows.net/wheels/1.0').url).toBe('azure://acct/wheels/1.0/');
    expect(() => openContainer('https://u:topsecret@acct.blob.core.windows.net/w')).toThrow(InputError);
    expect(() => openContainer('https://u:topsecret@acct.blob.core.windows.net/w')).not.toThrow(/topsecret/);
    expect(() => openContainer('https://u:topsecret@[bad/x')).toThrow(InputError);
    expect(() => openContainer('https://u:topsecret@[bad/x')).not.toThrow(/topsecret/);
    expect(() => openContainer('https://u:top%zzsecret@h/x')).toThrow(/^container: https:\/\/\*\*\*@h\/x: the user or password is not valid percent-encoding/);
  });
});
