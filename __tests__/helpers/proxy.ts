/**
 * An HTTP proxy on 127.0.0.1 between a client and a real server (s3rver),
 * that can damage chosen exchanges: flip a byte of a request body on its way
 * to the server (a store that saves something else than it was sent), or cut
 * the connection after N bytes of a response body (a broken download).
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

/** What to do to one exchange. */
export interface Fault {
  /** Flip the byte at this offset of the request body. */
  flipRequestByte?: number;
  /** Close the client's connection after this many bytes of the response body. */
  resetResponseAfter?: number;
  /** Flip the byte at this offset of the response body (a store that sends back something else). */
  flipResponseByte?: number;
  /** Headers of the answer to replace (a server whose clock is off: `date`). */
  responseHeaders?: Record<string, string>;
  /** Hold the response body for `ms` after `bytes` of it, then send the rest (a slow network). */
  pauseResponseAfter?: { bytes: number; ms: number };
}

/** Decides the fault for each request; `seen` counts earlier requests with the same method and path. */
export type FaultRule = (req: IncomingMessage, seen: number) => Fault | undefined;

export interface Proxy {
  endpoint: string;
  /** Every request as "METHOD path range", in order. */
  log: string[];
  /** Every request's method, path and headers, in order. */
  requests: { method: string; path: string; url: string; headers: IncomingMessage['headers'] }[];
  stop(): Promise<void>;
}

/** Flips one byte at an offset of a stream. */
class ByteFlipper extends Transform {
  private offset = 0;
  constructor(private readonly at: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.at >= this.offset && this.at < this.offset + chunk.length) {
      chunk = Buffer.from(chunk);
      chunk.writeUInt8(chunk.readUInt8(this.at - this.offset) ^ 0xff, this.at - this.offset);
    }
    this.offset += chunk.length;
    done(null, chunk);
  }
}

export async function startProxy(target: string, rule: FaultRule): Promise<Proxy> {
  const upstream = new URL(target);
  const counts = new Map<string, number>();
  const log: string[] = [];
  const requests: Proxy['requests'] = [];
  const server: Server = createServer((req, res) => {
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    log.push(`${key} ${req.headers.range ?? ''}`.trim());
    requests.push({ method: req.method ?? '', path: req.url?.split('?')[0] ?? '', url: req.url ?? '', headers: req.headers });
    const fault = rule(req, seen) ?? {};
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...fault.responseHeaders });
        if (fault.flipResponseByte !== undefined) {
          answer.pipe(new ByteFlipper(fault.flipResponseByte)).pipe(res);
          return;
        }
        if (fault.pauseResponseAfter !== undefined) {
          const { bytes, ms } = fault.pauseResponseAfter;
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            const before = sent;
            sent += chunk.length;
            if (before >= bytes || sent < bytes) return void res.write(chunk);
            res.write(chunk.subarray(0, bytes - before));
            answer.pause();
            setTimeout(() => {
              res.write(chunk.subarray(bytes - before));
              answer.resume();
            }, ms);
          });
          answer.on('end', () => res.end());
          return;
        }
        if (fault.resetResponseAfter === undefined) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        const limit = fault.resetResponseAfter;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          if (sent < limit) {
            res.write(part);
            return;
          }
          answer.destroy();
          // Close once the bytes before the cut have left and had time to be read (a client drops
          // what it had buffered but not consumed when the connection breaks): the client sees a
          // body broken off at `limit`.
          res.write(part, () => setTimeout(() => res.socket?.end(), 200));
        });
        answer.on('end', () => res.end());
      },
    );
    forward.on('error', () => res.destroy());
    (fault.flipRequestByte === undefined ? req : req.pipe(new ByteFlipper(fault.flipRequestByte))).pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
