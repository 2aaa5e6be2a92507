/**
 * A hostile S3 endpoint on 127.0.0.1: it speaks just enough of the S3 API
 * (ListObjectsV2, GetObject, HeadObject) for wheel-guard's S3 container,
 * and answers what whoever controls a bucket could make it answer: a
 * listing that never ends, a body that goes on past its listed size, a
 * sidecar that never ends. A real store (s3rver) cannot be made to do this.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One object: its listed size and how its body is sent. */
export interface HostileObject {
  /** The size the listing gives. */
  size: number;
  /** The body's bytes; `endless` repeats them forever instead of ending. */
  body: Buffer;
  endless?: boolean;
}

export interface HostileS3 {
  endpoint: string;
  /** Objects by key (bucket `hostile`). */
  objects: Map<string, HostileObject>;
  /** Prefixes whose listing is an XML body that never ends. */
  endlessListings: Set<string>;
  /** Bytes of bodies sent so far (to show the client stopped reading). */
  bytesSent(): number;
  stop(): Promise<void>;
}

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Writes `chunk` over and over until the client goes away. */
function sendForever(res: ServerResponse, chunk: Buffer, count: (n: number) => void): void {
  const pump = (): void => {
    while (!res.destroyed) {
      count(chunk.length);
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  res.on('close', () => res.destroy());
  pump();
}

export async function startHostileS3(): Promise<HostileS3> {
  const objects = new Map<string, HostileObject>();
  const endlessListings = new Set<string>();
  let sent = 0;
  const count = (n: number): void => void (sent += n);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (bucket !== 'hostile') {
      res.writeHead(404, { 'Content-Type': 'application/xml' }).end('<Error><Code>NoSuchBucket</Code><Message>no</Message></Error>');
      return;
    }
    if (key === '' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      const head = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>hostile</Name><Prefix>${escapeXml(prefix)}</Prefix><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>`;
      const item = (k: string, size: number): string =>
        `<Contents><Key>${escapeXml(k)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"0"</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      if (endlessListings.has(prefix)) {
        res.write(head);
        let n = 0;
        sendForever(res, Buffer.from(Array.from({ length: 100 }, () => item(`${prefix}pkg${n++}-1.0-py3-none-any.whl.sha256`, 100)).join('')), count);
        return;
      }
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).sort();
      res.end(`${head}<KeyCount>${keys.length}</KeyCount>${keys.map((k) => item(k, objects.get(k)!.size)).join('')}</ListBucketResult>`);
      return;
    }
    const object = objects.get(key);
    if (!object) {
      res.writeHead(404, { 'Content-Type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code><Message>no</Message></Error>');
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Length': String(object.size), ETag: '"0"' }).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', ETag: '"0"' });
    if (object.endless) return sendForever(res, object.body, count);
    count(object.body.length);
    res.end(object.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    endlessListings,
    bytesSent: () => sent,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
