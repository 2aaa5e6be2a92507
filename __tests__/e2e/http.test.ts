/**
 * Collect from a web address (issue 12): the committed bundles against real
 * web servers that nobody here wrote, started on 127.0.0.1 with random ports
 * (helpers/nginx.ts, helpers/python-http.ts):
 *
 * - Debian's nginx with autoindex (ranges, ETags, If-Range, gzip), serving
 *   a directory of wheel/sidecar pairs parked there by post-build, a
 *   directory with a SHA256SUMS, and a package index as mirrors lay it out
 *   (PEP 691 JSON to a client that asks for it, PEP 503 HTML otherwise);
 * - `python3 -m http.server`, which answers no ranges at all, serving the
 *   same directory and the same index (HTML only);
 * - nginx over TLS with a certificate made for the test, nginx with basic
 *   authentication in front of an index whose files live on another origin;
 * - the fault-injecting proxy in front of each: every run delivers only
 *   verified wheels or fails naming each problem.
 *
 * pip, a client nobody here wrote either, downloads from the same trees:
 * they are what a package index serves.
 *
 * Every test needs nginx, Python (make-wheel.py, http.server, pip) and
 * sha256sum (the SHA256SUMS): without one (and not under WG_ALL_TOOLS=1) the
 * file is skipped, its servers never started; curl and openssl skip the tests
 * that use them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultKind, startFaultProxy } from '../helpers/fault-proxy.js';
import { type Nginx, selfSignedCert, startNginx } from '../helpers/nginx.js';
import { type PythonHttpServer, startPythonHttpServer } from '../helpers/python-http.js';
import { lacks, PYTHON, toolPath } from '../helpers/tools.js';
import { makeWheel, writeSha256Sums, writeSimpleProject } from '../helpers/web-tree.js';
import { names, problems, runAction, runCli, SAMPLES, spawnCollect, WHEELS, workspace } from './harness.js';

const SEED = Number(process.env.WG_FAULT_SEED ?? 20261129);
/** What every test here needs (the beforeAll starts nginx and http.server, makes wheels, writes a SHA256SUMS): each describe skips without it. */
const SERVERS = lacks('nginx', 'python', 'sha256sum');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A 3 MB generated wheel: big enough for a transfer to break in the middle. */
const BIG = 'flaky_pkg-1.0.0-py3-none-any.whl';
/** The pairs post-build parks in site/wheels: the samples and BIG. */
const PARKED = [...WHEELS, BIG].sort();
/** The project on the index: three versions of demo-pkg. */
const DEMO = ['demo_pkg-1.0.0-py3-none-any.whl', 'demo_pkg-1.1.0-py3-none-any.whl', 'demo_pkg-2.0.0-py3-none-any.whl'];

let site: string; // the directory both servers serve
let made: string; // wheels made for the test, by name
let nginx: Nginx;
let python: PythonHttpServer;
const stops: (() => Promise<void>)[] = [];

/** The bytes of a wheel as it was made (the truth every collected file is compared with). */
async function original(name: string): Promise<Buffer> {
  return readFile(join(made, name)).catch(() => readFile(join(SAMPLES, name)));
}

/** Every file in `dir` is byte-identical to the original of that name, and the names are exactly `expected`. */
async function expectVerified(dir: string, expected: string[]): Promise<void> {
  expect(await names(dir)).toEqual([...expected].sort());
  for (const name of expected) expect(sha256(await readFile(join(dir, name))), name).toBe(sha256(await original(name)));
}

beforeAll(async () => {
  made = await mkdtemp(join(tmpdir(), 'wg-http-wheels-'));
  site = await mkdtemp(join(tmpdir(), 'wg-http-site-'));
  for (const name of WHEELS) await copyFile(join(SAMPLES, name), join(made, name));
  makeWheel(made, 'flaky-pkg', '1.0.0', 3_000_000, 7);
  makeWheel(made, 'demo-pkg', '1.0.0', 200_000, 1);
  makeWheel(made, 'demo-pkg', '1.1.0', 1_200_000, 2);
  makeWheel(made, 'demo-pkg', '2.0.0', 2_000_000, 3);

  // site/wheels: what post-build parks in a directory container (pairs), as a web server would then serve it.
  const ws = await workspace();
  await copyFile(join(made, BIG), join(ws, 'wheelhouse', BIG));
  const parked = await runAction('post-build', { container: join(site, 'wheels') }, ws);
  expect(parked.errors).toEqual([]);
  expect((await readdir(join(site, 'wheels'))).filter((n) => n.endsWith('.whl')).sort()).toEqual(PARKED);

  // site/sums: wheels and a SHA256SUMS written by coreutils, no sidecars.
  await mkdir(join(site, 'sums'));
  for (const name of PARKED) await writeFile(join(site, 'sums', name), await original(name));
  await writeSha256Sums(join(site, 'sums'), PARKED);

  // site/simple + site/packages: the index, files on another path.
  await writeSimpleProject(site, 'demo-pkg', DEMO.map((name) => join(made, name)));

  nginx = await startNginx({ root: site });
  python = await startPythonHttpServer(site);
  stops.push(() => nginx.stop(), () => python.stop());
}, 120_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await rm(site, { recursive: true, force: true });
  await rm(made, { recursive: true, force: true });
});

/** Runs collect (the action bundle) from `container` into a fresh workspace's dist/. */
async function collect(container: string, inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  const ws = await workspace();
  const run = await runAction('collect', { container, ...inputs }, ws, env);
  return { ws, dist: join(ws, 'dist'), run };
}

describe.skipIf(SERVERS)('the servers are what they claim (checked with curl, a client nobody here wrote)', () => {
  const head = (url: string, ...args: string[]): string => execFileSync(toolPath('curl') ?? 'curl', ['-sS', '-o', devNull, '-D', '-', ...args, url], { encoding: 'utf8' });

  it.skipIf(lacks('curl'))('nginx answers a Range with 206 and an ETag; python http.server answers it with 200 and the whole file', async () => {
    const nginxAnswer = head(`${nginx.endpoint}/wheels/${BIG}`, '-H', 'Range: bytes=1000-');
    expect(nginxAnswer).toMatch(/^HTTP\/1\.1 206/);
    expect(nginxAnswer).toMatch(/^ETag: "/im);
    expect(nginxAnswer).toMatch(new RegExp(`^Content-Range: bytes 1000-${(await original(BIG)).length - 1}/`, 'im'));
    const pythonAnswer = head(`${python.endpoint}/wheels/${BIG}`, '-H', 'Range: bytes=1000-');
    expect(pythonAnswer).toMatch(/^HTTP\/1\.0 200/);
    expect(pythonAnswer).toMatch(new RegExp(`^Content-Length: ${(await original(BIG)).length}\\s*$`, 'im'));
    expect(pythonAnswer).not.toMatch(/^ETag:/im);
  });

  it.skipIf(lacks('curl'))('nginx negotiates the index page: PEP 691 JSON to a client that asks for it, PEP 503 HTML otherwise', () => {
    const json = head(`${nginx.endpoint}/simple/demo-pkg/`, '-H', 'Accept: application/vnd.pypi.simple.v1+json, text/html;q=0.1');
    expect(json).toMatch(/^Content-Type: application\/vnd\.pypi\.simple\.v1\+json/im);
    const html = head(`${nginx.endpoint}/simple/demo-pkg/`, '-H', 'Accept: text/html');
    expect(html).toMatch(/^Content-Type: text\/html/im);
  });

  it('pip downloads from the index, PEP 691 from nginx and PEP 503 from python http.server, and checks its hashes', async () => {
    for (const endpoint of [nginx.endpoint, python.endpoint]) {
      const dest = await mkdtemp(join(tmpdir(), 'wg-pip-'));
      try {
        const { code, stdout, stderr } = await spawnCollect(
          PYTHON,
          ['-m', 'pip', 'download', '--isolated', '--no-deps', '--disable-pip-version-check', '--index-url', `${endpoint}/simple/`, '--dest', dest, 'demo-pkg==1.1.0'],
          { cwd: dest, env: { ...process.env, PIP_FIND_LINKS: '' } },
        );
        expect(code, stdout + stderr).toBe(0);
        expect(await readdir(dest)).toEqual([DEMO[1]]);
        expect(sha256(await readFile(join(dest, DEMO[1]!)))).toBe(sha256(await original(DEMO[1]!)));
      } finally {
        await rm(dest, { recursive: true, force: true });
      }
    }
    // pip asks for PEP 691 JSON first: nginx gave it index.json.
    const page = (await nginx.accessLog()).find((r) => r.uri === '/simple/demo-pkg/' && r.userAgent.startsWith('pip/'));
    expect(page?.served).toBe('/simple/demo-pkg/index.json');
    expect(page?.contentType).toBe('application/vnd.pypi.simple.v1+json');
  });
});

describe.skipIf(SERVERS)('collect from a web address', () => {
  it('an nginx autoindex directory with sidecars: every pair verified, each wheel asked for without compression', async () => {
    const { dist, run } = await collect(`${nginx.endpoint}/wheels/`);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    await expectVerified(dist, PARKED);
    expect(run.outputs.count).toBe(String(PARKED.length));
    const log = await nginx.accessLog();
    for (const wheel of PARKED) {
      const gets = log.filter((r) => r.uri === `/wheels/${encodeURIComponent(wheel)}` || r.uri === `/wheels/${wheel}`);
      expect(gets.length, wheel).toBeGreaterThan(0);
      for (const get of gets) expect(get.acceptEncoding, wheel).toMatch(/^(identity)?$/);
      expect(log.some((r) => r.uri === `/wheels/${wheel}.sha256` && r.status === 200), `${wheel}.sha256`).toBe(true);
    }
  });

  it('the same directory named without its final slash: nginx redirects, and the links resolve against the final address', async () => {
    const before = (await nginx.accessLog()).length;
    const { dist, run } = await collect(`${nginx.endpoint}/wheels`);
    expect(run.errors).toEqual([]);
    await expectVerified(dist, PARKED);
    const log = (await nginx.accessLog()).slice(before);
    expect(log.find((r) => r.uri === '/wheels')?.status).toBe(301);
    expect(log.some((r) => r.uri === `/wheels/${BIG}` && r.status === 200)).toBe(true);
  });

  it('a python http.server directory listing with sidecars', async () => {
    const { dist, run } = await collect(`${python.endpoint}/wheels/`);
    expect(run.errors).toEqual([]);
    await expectVerified(dist, PARKED);
    expect(python.requests().some((line) => line.includes(`GET /wheels/${BIG} `))).toBe(true);
  });

  it('a PEP 503 page (python http.server): digests from the #sha256= fragments, files on another path, no sidecar anywhere', async () => {
    const before = python.requests().length;
    const { dist, run } = await collect(`${python.endpoint}/simple/demo-pkg/`);
    expect(run.errors).toEqual([]);
    await expectVerified(dist, DEMO);
    const requests = python.requests().slice(before);
    for (const wheel of DEMO) expect(requests.some((line) => line.includes('GET /packages/') && line.includes(`${wheel} `)), wheel).toBe(true);
    expect(requests.some((line) => line.includes('.sha256 ') && line.endsWith(' 200'))).toBe(false);
  });

  it('a PEP 691 page (nginx, JSON when asked for): digests from its hashes', async () => {
    const before = (await nginx.accessLog()).length;
    const { dist, run } = await collect(`${nginx.endpoint}/simple/demo-pkg/`);
    expect(run.errors).toEqual([]);
    await expectVerified(dist, DEMO);
    const log = (await nginx.accessLog()).slice(before);
    const page = log.find((r) => r.uri === '/simple/demo-pkg/');
    expect(page?.served).toBe('/simple/demo-pkg/index.json');
    expect(page?.contentType).toBe('application/vnd.pypi.simple.v1+json');
    // The page came gzip-compressed (nginx compresses it for a client that accepts gzip), the wheels as they are.
    expect(page?.contentEncoding).toBe('gzip');
    for (const wheel of DEMO) expect(log.some((r) => r.uri.startsWith('/packages/') && r.uri.endsWith(`/${wheel}`) && r.status === 200), wheel).toBe(true);
  });

  it('a SHA256SUMS file at the address: the names it lists, beside it', async () => {
    const { dist, run } = await collect(`${nginx.endpoint}/sums/SHA256SUMS`);
    expect(run.errors).toEqual([]);
    await expectVerified(dist, PARKED);
  });

  it('the CLI from a laptop: wheel-guard collect --container http://…/simple/demo-pkg/ --path dist', async () => {
    const ws = await workspace();
    const { code, stdout, stderr } = await runCli(['collect', '--container', `${nginx.endpoint}/simple/demo-pkg/`, '--path', 'dist'], ws);
    expect(code, stdout + stderr).toBe(0);
    await expectVerified(join(ws, 'dist'), DEMO);
    expect(await readFile(join(ws, 'SHA256SUMS'), 'utf8')).toContain(`${sha256(await original(DEMO[2]!))}  ${DEMO[2]}`);
  });

  it.skipIf(lacks('openssl'))('https:// with a certificate the runner trusts (NODE_EXTRA_CA_CERTS); refused, naming the certificate, when it does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wg-tls-'));
    const tls = selfSignedCert(dir);
    const secure = await startNginx({ root: site, tls });
    try {
      const url = `${secure.endpoint}/wheels/`;
      expect(url.startsWith('https://127.0.0.1:')).toBe(true);
      const trusted = await collect(url, {}, { NODE_EXTRA_CA_CERTS: tls.cert });
      expect(trusted.run.errors).toEqual([]);
      await expectVerified(trusted.dist, PARKED);
      const untrusted = await collect(url, { retries: '0' }, { NODE_EXTRA_CA_CERTS: devNull });
      expect(untrusted.run.code).toBe(1);
      expect(untrusted.run.errors.join('\n')).toMatch(/certificate/i);
      expect(await names(untrusted.dist).catch(() => [])).toEqual([]);
    } finally {
      await secure.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(SERVERS)('a run that cannot deliver everything fails naming each problem, and places only verified wheels', () => {
  it('a directory listing with a wheel unlike its sidecar, a wheel without one, and a sidecar without its wheel', async () => {
    const bad = join(site, 'bad');
    await mkdir(bad);
    const [good, unpaired] = [WHEELS[0]!, WHEELS[2]!];
    await copyFile(join(site, 'wheels', good), join(bad, good));
    await copyFile(join(site, 'wheels', `${good}.sha256`), join(bad, `${good}.sha256`));
    // demo 1.0.0 under its own name, with the sidecar of another build of it (a real wheel, other bytes).
    const other = await mkdtemp(join(tmpdir(), 'wg-other-'));
    makeWheel(other, 'demo-pkg', '1.0.0', 200_000, 99);
    await copyFile(join(other, DEMO[0]!), join(bad, DEMO[0]!));
    await writeFile(join(bad, `${DEMO[0]}.sha256`), `${sha256(await original(DEMO[0]!))}  ${DEMO[0]}\n`);
    await copyFile(join(site, 'wheels', unpaired), join(bad, unpaired));
    await writeFile(join(bad, `${BIG}.sha256`), `${sha256(await original(BIG))}  ${BIG}\n`);
    await rm(other, { recursive: true, force: true });
    for (const server of [nginx, python]) {
      const { dist, run } = await collect(`${server.endpoint}/bad/`, { retries: '1' });
      expect(run.code).toBe(1);
      const found = problems(run);
      expect(found).toHaveLength(3);
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${escape(DEMO[0]!)}: sha256 mismatch`)));
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${escape(unpaired)}: no (sidecar|digest)`)));
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${escape(BIG)}.*the wheel itself is not`)));
      expect(await names(dist)).toEqual([good]);
    }
  });

  it('an index page with a wrong #sha256= for one file and none for another: both named, the one without a digest never downloaded', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wg-index-'));
    const server = await startNginx({ root });
    try {
      await writeSimpleProject(
        root,
        'demo-pkg',
        DEMO.map((name) => join(made, name)),
        { digests: { [DEMO[0]!]: sha256(Buffer.from('another file')), [DEMO[1]!]: null } },
      );
      const { dist, run } = await collect(`${server.endpoint}/simple/demo-pkg/`, { retries: '1' });
      expect(run.code).toBe(1);
      const found = problems(run);
      expect(found).toHaveLength(2);
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${escape(DEMO[0]!)}: sha256 mismatch`)));
      expect(found).toContainEqual(expect.stringMatching(new RegExp(`^${escape(DEMO[1]!)}: no digest`)));
      expect(await names(dist)).toEqual([DEMO[2]]);
      const log = await server.accessLog();
      expect(log.some((r) => r.uri.endsWith(`/${DEMO[1]}`))).toBe(false);
      // pip, reading the same page, refuses the same file.
      const dest = await mkdtemp(join(tmpdir(), 'wg-pip-'));
      const pip = await spawnCollect(
        PYTHON,
        ['-m', 'pip', 'download', '--isolated', '--no-deps', '--disable-pip-version-check', '--index-url', `${server.endpoint}/simple/`, '--dest', dest, 'demo-pkg==1.0.0'],
        { cwd: dest, env: { ...process.env } },
      );
      await rm(dest, { recursive: true, force: true });
      expect(pip.code).not.toBe(0);
      expect(pip.stdout + pip.stderr).toMatch(/DO NOT MATCH THE HASHES/);
    } finally {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('post-build refuses a web address in one line, before any work', async () => {
    const ws = await workspace();
    const run = await runAction('post-build', { container: `${nginx.endpoint}/wheels/` }, ws);
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/read-only|cannot be written|not writable/i);
    expect(run.errors[0]).toContain('s3://');
    const cli = await runCli(['post-build', '--container', 'https://example.invalid/wheels/', '--path', 'wheelhouse'], ws);
    // A usage error (exit 2): the one line, then the CLI's usual pointer to --help.
    expect(cli.code).toBe(2);
    const lines = cli.stderr.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('wheel-guard: '))).toHaveLength(1);
    expect(lines[0]).toMatch(/^wheel-guard: container: https:\/\/example\.invalid\/wheels\/ is read-only.*s3:\/\//);
    expect(lines.slice(1)).toEqual(['Run wheel-guard --help for usage.']);
  });
});

describe.skipIf(SERVERS)('a private index: credentials in the URL go to its own origin only', () => {
  const USER = 'release';
  const PASSWORD = 'pw-7Hq2-not-for-the-cdn';
  let cdn: Nginx;
  let index: Nginx;
  let roots: string[] = [];

  beforeAll(async () => {
    roots = [await mkdtemp(join(tmpdir(), 'wg-cdn-')), await mkdtemp(join(tmpdir(), 'wg-private-'))];
    cdn = await startNginx({ root: roots[0]! });
    // demo-pkg links its files absolutely on the CDN; other-pkg links them relatively, and the index redirects /packages/ there (as PyPI once did).
    index = await startNginx({
      root: roots[1]!,
      basicAuth: { location: '/simple/', user: USER, password: PASSWORD },
      serverConfig: `    location /packages/ { return 302 ${cdn.endpoint}$request_uri; }\n`,
    });
    await writeSimpleProject(roots[1]!, 'demo-pkg', DEMO.map((name) => join(made, name)), { filesRoot: roots[0]!, filesBase: cdn.endpoint });
    await writeSimpleProject(roots[1]!, 'wheel', [join(SAMPLES, WHEELS[1]!)], { filesRoot: roots[0]! });
  });
  afterAll(async () => {
    await cdn?.stop();
    await index?.stop();
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it('files linked on another origin, and files reached through a redirect to it: collected, and the CDN never sees the credentials', async () => {
    const base = index.endpoint.replace('http://', `http://${USER}:${PASSWORD}@`);
    for (const [project, expected] of [['demo-pkg', DEMO], ['wheel', [WHEELS[1]!]]] as const) {
      const { dist, run } = await collect(`${base}/simple/${project}/`);
      expect(run.errors, project).toEqual([]);
      await expectVerified(dist, [...expected]);
      // The password is only ever in the ::add-mask:: command that masks it.
      const leaks = `${run.stdout}\n${run.stderr}\n${run.summary}`.split('\n').filter((line) => line.includes(PASSWORD) && !line.startsWith('::add-mask::'));
      expect(leaks).toEqual([]);
      expect(run.stdout).toContain(`::add-mask::${PASSWORD}`);
    }
    const indexLog = await index.accessLog();
    expect(indexLog.some((r) => r.uri.startsWith('/simple/') && r.status === 200 && r.remoteUser === USER)).toBe(true);
    expect(indexLog.some((r) => r.uri.startsWith('/packages/') && r.status === 302)).toBe(true);
    const cdnLog = await cdn.accessLog();
    expect(cdnLog.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(DEMO.length + 1);
    expect(cdnLog.filter((r) => r.authorization !== '')).toEqual([]);
  });

  it('without the credentials: one problem naming the 401 and the address, nothing placed', async () => {
    const { dist, run } = await collect(`${index.endpoint}/simple/demo-pkg/`, { retries: '0' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/401|unauthori[sz]ed|authenticat/i);
    expect(run.errors.join('\n')).toContain(`${index.endpoint}/simple/demo-pkg/`);
    expect(await names(dist).catch(() => [])).toEqual([]);
  });
});

describe.skipIf(SERVERS)(`on a flaky network: the fault proxy in front of each server (seed ${SEED})`, () => {
  /** Which server a container path is on, and the path. */
  const targets = () =>
    [
      { kind: 'nginx autoindex', server: nginx.endpoint, path: '/wheels/', expected: PARKED },
      { kind: 'python http.server listing', server: python.endpoint, path: '/wheels/', expected: PARKED },
      { kind: 'PEP 503 page (python http.server)', server: python.endpoint, path: '/simple/demo-pkg/', expected: DEMO },
      { kind: 'PEP 691 page (nginx)', server: nginx.endpoint, path: '/simple/demo-pkg/', expected: DEMO },
      { kind: 'SHA256SUMS (nginx)', server: nginx.endpoint, path: '/sums/SHA256SUMS', expected: PARKED },
    ] as const;

  it('30% of requests faulted at random (resets, stalls, early ends, flipped bytes, 500/503/429) on every kind of listing: only verified wheels, all of them', async () => {
    let faults = 0;
    for (const [i, target] of targets().entries()) {
      const proxy = await startFaultProxy(target.server, { rate: 0.3, stallMs: 30_000 }, SEED + i);
      try {
        const { dist, run } = await collect(`${proxy.endpoint}${target.path}`, { retries: '10', timeout: '2' });
        expect(run.errors, `${target.kind}, seed ${SEED + i}: ${JSON.stringify(proxy.connections)}`).toEqual([]);
        await expectVerified(dist, [...target.expected]);
        faults += proxy.faultsInjected();
      } finally {
        await proxy.stop();
      }
    }
    expect(faults).toBeGreaterThan(0);
  });

  // An early end (FIN) and a stall deliver every byte sent before the cut, so the retry must ask for the rest.
  // A reset (RST) may take with it the bytes still in flight (the client's kernel drops what it had not
  // handed over): the retry asks for the rest of what arrived, or for the whole file when nothing did.
  it.each([
    ['early-end', true],
    ['stall', true],
    ['reset', false],
  ] as [FaultKind, boolean][])(
    'nginx: a download cut by a %s resumes with a ranged GET guarded by If-Range, answered 206, and verifies',
    async (kind, bytesArrive) => {
      const proxy = await startFaultProxy(nginx.endpoint, { rate: 1, kinds: [kind], only: new RegExp(`^GET \\S*${escape(BIG)} `), maxFaults: 1, stallMs: 30_000 }, SEED);
      const before = (await nginx.accessLog()).length;
      try {
        const { dist, run } = await collect(`${proxy.endpoint}/wheels/`, { retries: '3', timeout: '2' });
        expect(run.errors).toEqual([]);
        await expectVerified(dist, PARKED);
        const gets = proxy.connections.filter((c) => c.request.startsWith(`GET /wheels/${BIG} `));
        expect(gets[0]?.fault).toBe(kind);
        expect(gets.length).toBeGreaterThanOrEqual(2);
        // The retry is in the log, as a warning naming the wheel.
        expect(run.warnings.some((w) => w.includes(BIG) && /retrying/.test(w))).toBe(true);
        const ranged = (await nginx.accessLog()).slice(before).filter((r) => r.uri === `/wheels/${BIG}` && r.range !== '');
        if (bytesArrive) expect(gets[1]?.range, JSON.stringify(gets)).toMatch(/^bytes=[1-9]\d*-$/);
        for (const request of ranged) {
          expect(request.range).toMatch(/^bytes=[1-9]\d*-$/);
          expect(request.ifRange).not.toBe('');
          expect(request.status).toBe(206);
          // Resuming moved the rest of the wheel, not all of it again.
          expect(request.bytesSent).toBeLessThan((await original(BIG)).length);
        }
        expect(gets.filter((c) => c.range !== undefined).every((c) => c.status === 206)).toBe(true);
        if (bytesArrive) expect(ranged.length).toBeGreaterThan(0);
      } finally {
        await proxy.stop();
      }
    },
  );

  it('nginx: the file changes on the server while its download is stalled: If-Range gets the whole new file (200), never a splice', async () => {
    const file = join(site, 'wheels', BIG);
    const proxy = await startFaultProxy(nginx.endpoint, { rate: 1, kinds: ['stall'], only: new RegExp(`^GET \\S*${escape(BIG)} `), maxFaults: 1, stallMs: 30_000 }, SEED);
    try {
      const running = collect(`${proxy.endpoint}/wheels/`, { retries: '3', timeout: '2' });
      // While the first download hangs (cut after the 2 s timeout), the file is rewritten with the same bytes: a new
      // mtime, so a new ETag; a range of the old version must not be spliced onto what arrived.
      const stalled = (): boolean => proxy.connections.some((c) => c.fault === 'stall' && c.status === 200);
      for (let i = 0; i < 200 && !stalled(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(stalled()).toBe(true);
      await writeFile(file, await original(BIG));
      const later = new Date(Date.now() + 60_000);
      await utimes(file, later, later);
      const { dist, run } = await running;
      expect(run.errors).toEqual([]);
      await expectVerified(dist, PARKED);
      const gets = proxy.connections.filter((c) => c.request.startsWith(`GET /wheels/${BIG} `));
      expect(gets[1]?.range, JSON.stringify(gets)).toMatch(/^bytes=[1-9]\d*-$/);
      expect(gets[1]?.status).toBe(200);
    } finally {
      await proxy.stop();
    }
  });

  it('python http.server: a download cut short asks for the rest, gets the whole file again (200), starts over and verifies', async () => {
    const proxy = await startFaultProxy(python.endpoint, { rate: 1, kinds: ['early-end'], only: new RegExp(`^GET \\S*${escape(BIG)} `), maxFaults: 1 }, SEED);
    try {
      const { dist, run } = await collect(`${proxy.endpoint}/wheels/`, { retries: '3', timeout: '2' });
      expect(run.errors).toEqual([]);
      await expectVerified(dist, PARKED);
      const gets = proxy.connections.filter((c) => c.request.startsWith(`GET /wheels/${BIG} `));
      expect(gets[0]?.fault).toBe('early-end');
      // The retry asked for the rest (If-Range with the Last-Modified of the first answer) and got all of it, 200.
      expect(gets[1]?.range, JSON.stringify(gets)).toMatch(/^bytes=[1-9]\d*-$/);
      expect(gets[1]?.status).toBe(200);
      expect(gets).toHaveLength(2);
      expect(run.warnings.some((w) => w.includes(BIG) && /retrying/.test(w))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('a wheel flipped in transit every time: one problem naming it, the others verified, nothing broken placed', async () => {
    for (const server of [nginx.endpoint, python.endpoint]) {
      const proxy = await startFaultProxy(server, { rate: 1, kinds: ['flip'], only: new RegExp(`^GET \\S*${escape(BIG)} `) }, SEED);
      try {
        const { dist, run } = await collect(`${proxy.endpoint}/wheels/`, { retries: '2', timeout: '2' });
        expect(run.code).toBe(1);
        expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${escape(BIG)}: sha256 mismatch`))]);
        expect(proxy.connections.filter((c) => c.fault === 'flip').length).toBeGreaterThanOrEqual(3);
        await expectVerified(dist, PARKED.filter((w) => w !== BIG));
      } finally {
        await proxy.stop();
      }
    }
  });

  it('the listing answered 503 and 429 with Retry-After, then 500: waited for, retried, collected', async () => {
    for (const kind of ['http503', 'http429', 'http500'] as FaultKind[]) {
      const proxy = await startFaultProxy(nginx.endpoint, { rate: 1, kinds: [kind], only: /^GET \/simple\/demo-pkg\/ /, maxFaults: 1, retryAfterSeconds: 1 }, SEED);
      try {
        const { dist, run } = await collect(`${proxy.endpoint}/simple/demo-pkg/`, { retries: '3', timeout: '2' });
        expect(run.errors, kind).toEqual([]);
        await expectVerified(dist, DEMO);
        expect(proxy.connections.filter((c) => c.request.startsWith('GET /simple/demo-pkg/ ')).length, kind).toBe(2);
      } finally {
        await proxy.stop();
      }
    }
  });
});
