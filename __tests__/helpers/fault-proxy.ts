/**
 * A fault-injecting TCP proxy on 127.0.0.1, between a client and a real
 * server (s3rver, Azurite). Each HTTP request draws its fate from a seeded
 * random generator, so a failing run replays exactly with the same seed:
 * pass it through, reset it after N bytes of the answer, stall it (send
 * nothing for T ms), end the answer early but cleanly, flip a byte of the
 * answer, or answer 500/503/429 itself (429 and 503 with Retry-After).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type FaultKind = 'none' | 'reset' | 'stall' | 'early-end' | 'flip' | 'http500' | 'http503' | 'http429';

export interface FaultPlan {
  /** Probability that a connection gets a fault at all. */
  rate: number;
  /** The faults to choose from, uniformly. Default: all. */
  kinds?: FaultKind[];
  /** How long a stall lasts (ms). Default 60 000: longer than any sane idle timeout. */
  stallMs?: number;
  /** Retry-After sent with 429 and 503, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Only connections whose first request line matches are eligible (e.g. /GET .*\.whl /). */
  only?: RegExp;
  /** At most this many faults in all (every request still draws, so a seed gives the same sequence). */
  maxFaults?: number;
}

export interface FaultProxy {
  endpoint: string;
  /**
   * Every request: its request line, its Range header if any, the status of the
   * answer relayed (absent when the proxy answered itself or none came), and the
   * fault it got (`at`: body offset of the fault).
   */
  connections: { request: string; range?: string; status?: number; fault: FaultKind; at?: number }[];
  /** Bytes of answers sent to clients (what crossed the "network"). */
  bytesToClient: number;
  faultsInjected(): number;
  stop(): Promise<void>;
}

/** mulberry32: a small seeded generator, good enough to choose faults reproducibly. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The end of a chunked body: the zero-length chunk after the last chunk's CRLF (or right after the head). */
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

const ALL: FaultKind[] = ['reset', 'stall', 'early-end', 'flip', 'http500', 'http503', 'http429'];

function httpAnswer(status: number, text: string, retryAfter?: number): string {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${text.replace(/ /g, '')}</Code><Message>injected by fault-proxy</Message></Error>`;
  return (
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    (retryAfter !== undefined ? `Retry-After: ${retryAfter}\r\n` : '') +
    `Connection: close\r\n\r\n${body}`
  );
}

export async function startFaultProxy(target: string, plan: FaultPlan, seed: number): Promise<FaultProxy> {
  const upstream = new URL(target);
  const random = seeded(seed);
  const kinds = plan.kinds ?? ALL;
  const connections: FaultProxy['connections'] = [];
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    endpoint: '',
    connections,
    bytesToClient: 0,
    faultsInjected: () => connections.filter((c) => c.fault !== 'none').length,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  /** Draws the fate of one request (every request draws, so one seed gives one sequence). */
  const fate = (request: string, range: string | undefined): { record: FaultProxy['connections'][number]; cut: number } => {
    const draw = random();
    const pick = kinds[Math.floor(random() * kinds.length)]!;
    const cut = random();
    const eligible = (!plan.only || plan.only.test(request)) && (plan.maxFaults === undefined || proxy.faultsInjected() < plan.maxFaults);
    const record: FaultProxy['connections'][number] = { request, ...(range !== undefined ? { range } : {}), fault: (eligible && draw < plan.rate ? pick : 'none') as FaultKind };
    connections.push(record);
    return { record, cut };
  };

  // Faults are drawn per HTTP request, not per connection: clients keep connections alive.
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const send = (bytes: Buffer | string): void => {
      proxy.bytesToClient += Buffer.byteLength(bytes);
      client.write(bytes);
    };
    const upstreamSocket = connect(Number(upstream.port), upstream.hostname);
    sockets.add(upstreamSocket);
    upstreamSocket.on('close', () => {
      sockets.delete(upstreamSocket);
      client.end();
    });
    upstreamSocket.on('error', () => client.destroy());
    client.on('close', () => upstreamSocket.destroy());

    const pending: { record: FaultProxy['connections'][number]; cut: number }[] = [];
    let dead = false;
    client.on('data', (chunk: Buffer) => {
      if (dead) return;
      const text = chunk.toString('latin1', 0, Math.min(chunk.length, 8192));
      const line = text.split('\r\n', 1)[0] ?? '';
      if (/^(GET|PUT|POST|HEAD|DELETE) \S+ HTTP\/1\.[01]$/.test(line)) {
        // The Range header, looked for in this request's head only (the chunk may go on into a body or the next request).
        const headEnd = text.indexOf('\r\n\r\n');
        const range = /\r\nrange:[ \t]*([^\r\n]*)/i.exec(headEnd < 0 ? text : text.slice(0, headEnd))?.[1];
        const next = fate(line, range);
        const status = { http500: 500, http503: 503, http429: 429 }[next.record.fault as 'http500'];
        if (status) {
          // Answer this request ourselves and close: the server never sees it.
          const text = { 500: 'Internal Server Error', 503: 'Slow Down', 429: 'Too Many Requests' }[status]!;
          dead = true;
          send(httpAnswer(status, text, status === 500 ? undefined : (plan.retryAfterSeconds ?? 1)));
          client.end();
          upstreamSocket.destroy();
          return;
        }
        pending.push(next);
      }
      upstreamSocket.write(chunk);
    });

    // The answer being relayed: its fate, where its body starts, how much of it went out.
    let current: { record: FaultProxy['connections'][number]; cut: number } | undefined;
    let head = Buffer.alloc(0);
    let bodyLeft = 0;
    let chunked = false;
    let tail = Buffer.alloc(0);
    let at = Number.POSITIVE_INFINITY;
    let sent = 0;
    upstreamSocket.on('data', (data: Buffer) => {
      let chunk = data;
      while (chunk.length > 0 && !dead) {
        if (!current) {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          current = pending.shift() ?? { record: { request: '?', fault: 'none' }, cut: 0 };
          const headers = head.subarray(0, end + 4);
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(headers.toString('latin1'))?.[1];
          if (status) current.record.status = Number(status);
          // A HEAD answer (and a 204/304) announces a length it does not send.
          const noBody = current.record.request.startsWith('HEAD ') || /^HTTP\/1\.[01] (204|304)/.test(headers.toString('latin1'));
          // A chunked answer (Azurite's listings) runs to its last chunk: its length is not known up front.
          chunked = !noBody && /\r\ntransfer-encoding: *chunked/i.test(headers.toString('latin1'));
          tail = Buffer.from('\r\n');
          bodyLeft = noBody ? 0 : chunked ? Number.POSITIVE_INFINITY : Number(/content-length: *(\d+)/i.exec(headers.toString('latin1'))?.[1] ?? 0);
          at = current.record.fault === 'none' ? Number.POSITIVE_INFINITY : Math.floor(current.cut * (chunked ? 2048 : Math.max(1, bodyLeft)));
          if (at !== Number.POSITIVE_INFINITY) current.record.at = at;
          sent = 0;
          send(headers);
          chunk = head.subarray(end + 4);
          head = Buffer.alloc(0);
          if (bodyLeft === 0) current = undefined;
          continue;
        }
        let part: Buffer;
        if (chunked) {
          // The body ends with the zero-length chunk (no trailers: Azurite sends none).
          const window = Buffer.concat([tail, chunk]);
          const found = window.indexOf(LAST_CHUNK);
          part = found < 0 ? chunk : chunk.subarray(0, found + LAST_CHUNK.length - tail.length);
          if (found >= 0) bodyLeft = part.length;
          tail = window.subarray(Math.max(0, window.length - (LAST_CHUNK.length - 1)));
        } else {
          part = chunk.subarray(0, bodyLeft);
        }
        chunk = chunk.subarray(part.length);
        bodyLeft -= part.length;
        if (sent + part.length <= at) {
          send(part);
          sent += part.length;
        } else {
          const before = part.subarray(0, at - sent);
          const after = Buffer.from(part.subarray(at - sent));
          const fault = current.record.fault;
          send(before);
          if (fault === 'flip') {
            after.writeUInt8(after.readUInt8(0) ^ 0xff, 0);
            send(after);
            at = Number.POSITIVE_INFINITY;
            sent += part.length;
          } else {
            dead = true;
            upstreamSocket.destroy();
            if (fault === 'reset') client.resetAndDestroy();
            else if (fault === 'early-end') client.end();
            else setTimeout(() => client.destroy(), plan.stallMs ?? 60_000).unref();
            return;
          }
        }
        if (bodyLeft === 0) current = undefined;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return proxy;
}
