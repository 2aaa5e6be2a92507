/**
 * Behind a proxy (issue 12, item 6): the runner's HTTP_PROXY is honoured
 * (through @actions/http-client, which tunnels even plain http:// through
 * CONNECT), and a plain http:// address off this machine is warned about
 * once. The proxy is a small CONNECT proxy on 127.0.0.1 that sends every
 * tunnel to the nginx serving the parked pairs, whatever host it was asked
 * for: no request leaves 127.0.0.1, and wheels.example.org is never looked
 * up (as behind a real proxy, the client leaves names to it). Without nginx
 * (and not under WG_ALL_TOOLS=1) the file is skipped, nothing started.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Nginx, startNginx } from '../helpers/nginx.js';
import { lacks } from '../helpers/tools.js';
import { names, runAction, SAMPLES, WHEELS, workspace } from './harness.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let site: string;
let origin: Nginx;
let proxy: { endpoint: string; tunnels: string[]; server: Server };

/** A CONNECT proxy: answers `CONNECT host:port`, then pipes the tunnel to 127.0.0.1:`port`; records each target asked for. */
function startConnectProxy(port: number): Promise<typeof proxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const line = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const target = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(line)?.[1];
      if (!target) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n');
        return;
      }
      tunnels.push(target);
      const upstream = connect(port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, tunnels, server })));
}

beforeAll(async () => {
  site = await mkdtemp(join(tmpdir(), 'wg-proxy-site-'));
  const ws = await workspace();
  const parked = await runAction('post-build', { container: join(site, 'wheels') }, ws);
  expect(parked.errors).toEqual([]);
  origin = await startNginx({ root: site });
  proxy = await startConnectProxy(origin.port);
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => (proxy ? proxy.server.close(resolve) : resolve(undefined)));
  await origin?.stop().catch(() => undefined);
  await rm(site, { recursive: true, force: true });
});

describe.skipIf(lacks('nginx'))('collect behind a proxy', () => {
  it('HTTP_PROXY carries every request; plain http:// off this machine is one ::warning::, and the pairs verify', async () => {
    const ws = await workspace();
    const container = 'http://wheels.example.org/wheels/';
    const run = await runAction('collect', { container }, ws, { HTTP_PROXY: proxy.endpoint, http_proxy: proxy.endpoint, NO_PROXY: '', no_proxy: '' });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    for (const name of WHEELS) expect(sha256(await readFile(join(ws, 'dist', name)))).toBe(sha256(await readFile(join(SAMPLES, name))));
    // One warning, naming the address and the way out.
    const plain = run.warnings.filter((w) => w.includes('plain http://'));
    expect(plain).toHaveLength(1);
    expect(plain[0]).toContain(container);
    expect(plain[0]).toMatch(/nothing authenticates the server.*use https:\/\/, or give digests/);
    // Every connection went through the proxy, for the host named in the address; the origin saw every file asked for.
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set(['wheels.example.org:80']));
    const served = (await origin.accessLog()).filter((r) => r.status === 200).map((r) => r.uri);
    expect(served).toContain('/wheels/');
    for (const name of WHEELS) {
      expect(served, name).toContain(`/wheels/${name}`);
      expect(served, `${name}.sha256`).toContain(`/wheels/${name}.sha256`);
    }
  });

  it('the same address on loopback needs no proxy and gets no warning', async () => {
    const ws = await workspace();
    const before = proxy.tunnels.length;
    const run = await runAction('collect', { container: `${origin.endpoint}/wheels/` }, ws, { HTTP_PROXY: proxy.endpoint, http_proxy: proxy.endpoint });
    expect(run.errors).toEqual([]);
    expect(proxy.tunnels.length).toBe(before);
    expect(run.warnings.filter((w) => w.includes('plain http://'))).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });
});
