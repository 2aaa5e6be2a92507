/**
 * The simple index (`index` input of collect, `wheel-guard index`), served by
 * real web servers nobody here wrote (Debian's nginx, negotiating PEP 691
 * JSON under /simple/ as helpers/nginx.ts configures it; `python3 -m
 * http.server`, which serves index.html and nothing else) and read by real
 * consumers: this machine's pip installs from it, offline, and wheel-guard's
 * own https:// container collects from it. A wheel swapped on the server for
 * another real wheel of the same name is refused by pip for its hash.
 *
 * A test that needs nginx, Python (pip, http.server, make-wheel.py, reading
 * a wheel's METADATA) or curl skips without it (not under WG_ALL_TOOLS=1);
 * the servers the machine lacks are not started.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Nginx, startNginx } from '../helpers/nginx.js';
import { type PythonHttpServer, startPythonHttpServer } from '../helpers/python-http.js';
import { type Azurite, startAzurite } from '../helpers/azurite.js';
import { type S3Server, startS3rver } from '../helpers/s3rver.js';
import { lacks, pipEnv, PYTHON, toolPath } from '../helpers/tools.js';
import { azuriteContainer, azuriteEnv } from './fixtures.js';
import { names, problems, ROOT, runAction, runCli, SDIST, spawnCollect, WHEELS, workspace } from './harness.js';

const PATTERNS = '*.whl\n*.tar.gz';
const ALL = [...WHEELS, SDIST].sort();
const SAMPLE_WHEEL = 'wheel_guard_sample-1.0.0-py3-none-any.whl';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const metadataOf = (wheel: string): Buffer =>
  execFileSync(PYTHON, ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(z.read([n for n in z.namelist() if n.endswith(".dist-info/METADATA")][0]))', wheel]);

/** `pip install --index-url INDEX --no-deps --target T PROJECT`, offline; returns its output and what landed in T. */
async function pipInstall(index: string, project: string): Promise<{ code: number | null; output: string; installed: string[] }> {
  const target = await mkdtemp(join(tmpdir(), 'wg-pip-target-'));
  try {
    const { code, stdout, stderr } = await spawnCollect(
      PYTHON,
      ['-m', 'pip', 'install', '--no-cache-dir', '--index-url', index, '--no-deps', '--target', target, project],
      { cwd: target, env: pipEnv() },
    );
    return { code, output: stdout + stderr, installed: (await readdir(target)).sort() };
  } finally {
    await rm(target, { recursive: true, force: true });
  }
}

let ws: string;
let site: string;
let nginx: Nginx;
let python: PythonHttpServer;
let collected: Awaited<ReturnType<typeof runAction>>;

beforeAll(async () => {
  ws = await workspace({ sdist: true });
  const parked = await runAction('post-build', { container: 'parked', pattern: PATTERNS, sha256sums: 'post-build.sums' }, ws);
  expect(parked.errors).toEqual([]);
  collected = await runAction('collect', { container: 'parked', pattern: PATTERNS, index: 'site' }, ws);
  site = join(ws, 'site');
  if (!lacks('nginx')) nginx = await startNginx({ root: site });
  if (!lacks('python')) python = await startPythonHttpServer(site);
});

afterAll(async () => {
  await nginx?.stop();
  await python?.stop();
  if (ws) await rm(ws, { recursive: true, force: true });
});

describe('collect with index: writes the index last, beside nothing in path', () => {
  it.skipIf(lacks('python'))('dist/ holds the distributions only; site/ holds a copy of each, FILE.metadata of each wheel, and simple/', async () => {
    expect(collected.errors).toEqual([]);
    expect(collected.code).toBe(0);
    expect(collected.outputs.index).toBe(join(site, 'simple'));
    expect(await names(join(ws, 'dist'))).toEqual(ALL);
    expect(await names(site)).toEqual([...ALL, ...WHEELS.map((w) => `${w}.metadata`), 'simple'].sort());
    for (const file of ALL) expect((await readFile(join(site, file))).equals(await readFile(join(ws, 'wheelhouse', file)))).toBe(true);
    for (const wheel of WHEELS) expect((await readFile(join(site, `${wheel}.metadata`))).equals(metadataOf(join(ws, 'wheelhouse', wheel)))).toBe(true);
    expect(await names(join(site, 'simple'))).toEqual(['example', 'index.html', 'index.json', 'wheel', 'wheel-guard-sample']);
    const page = await readFile(join(site, 'simple', 'wheel-guard-sample', 'index.html'), 'utf8');
    const wheelSha = sha256(await readFile(join(site, SAMPLE_WHEEL)));
    expect(page).toContain(`<a href="../../${SAMPLE_WHEEL}#sha256=${wheelSha}" data-requires-python="&gt;=3.8"`);
    expect(page).toContain(`<a href="../../${SDIST}#sha256=${sha256(await readFile(join(site, SDIST)))}">${SDIST}</a>`);
    expect(collected.stdout).toMatch(/index: 3 project\(s\), 4 file\(s\) in .*simple, the files copied to /);
  });

  it.skipIf(lacks('nginx', 'curl'))('nginx serves PEP 691 JSON to a client that asks, HTML otherwise (curl)', () => {
    const head = (accept: string): string =>
      execFileSync(toolPath('curl') ?? 'curl', ['-sS', '-o', devNull, '-D', '-', '-H', `Accept: ${accept}`, `${nginx.endpoint}/simple/wheel-guard-sample/`], { encoding: 'utf8' });
    expect(head('application/vnd.pypi.simple.v1+json, text/html;q=0.01')).toMatch(/^Content-Type: application\/vnd\.pypi\.simple\.v1\+json/im);
    expect(head('text/html')).toMatch(/^Content-Type: text\/html/im);
  });
});

describe('pip installs from the index', () => {
  it.skipIf(lacks('python', 'nginx')).each([
    ['wheel-guard-sample', 'wheel_guard_sample', SAMPLE_WHEEL],
    ['Wheel_Guard.Sample', 'wheel_guard_sample', SAMPLE_WHEEL],
    ['example', 'example', 'example-21.12-py3-none-any.whl'],
    ['wheel==0.43.0', 'wheel', 'wheel-0.43.0-py3-none-any.whl'],
  ])('from nginx (PEP 691 JSON): pip install %s, its metadata from FILE.metadata, then the wheel', async (project, module, wheel) => {
    const { code, output, installed } = await pipInstall(`${nginx.endpoint}/simple/`, project);
    expect(code, output).toBe(0);
    expect(installed).toContain(module);
    expect(installed.some((name) => name.endsWith('.dist-info'))).toBe(true);
    // pip said where its metadata came from: PEP 658, not the wheel.
    expect(output).toContain(`from ${nginx.endpoint}/${wheel}.metadata`);
    const log = (await nginx.accessLog()).filter((r) => r.userAgent.startsWith('pip/'));
    const normalised = project.split('=')[0]!.toLowerCase().replace(/[-_.]+/g, '-');
    const page = log.findLast((r) => r.uri === `/simple/${normalised}/`);
    expect(page?.served).toBe(`/simple/${normalised}/index.json`);
    expect(page?.contentType).toBe('application/vnd.pypi.simple.v1+json');
    expect(page?.accept).toMatch(/^application\/vnd\.pypi\.simple\.v1\+json/);
    expect(log.findLast((r) => r.uri === `/${wheel}.metadata`)?.status).toBe(200);
    expect(log.findLast((r) => r.uri === `/${wheel}`)?.status).toBe(200);
    // Never the sdist: a wheel was there.
    expect(log.some((r) => r.uri === `/${SDIST}`)).toBe(false);
  });

  it.skipIf(lacks('python'))('from python http.server (no negotiation: the PEP 503 HTML), with data-dist-info-metadata', async () => {
    const { code, output, installed } = await pipInstall(`${python.endpoint}/simple/`, 'wheel-guard-sample');
    expect(code, output).toBe(0);
    expect(installed).toContain('wheel_guard_sample');
    expect(output).toContain(`from ${python.endpoint}/${SAMPLE_WHEEL}.metadata`);
    const requests = python.requests();
    expect(requests).toContain('"GET /simple/wheel-guard-sample/ HTTP/1.1" 200');
    expect(requests).toContain(`"GET /${SAMPLE_WHEEL}.metadata HTTP/1.1" 200`);
    expect(requests).toContain(`"GET /${SAMPLE_WHEEL} HTTP/1.1" 200`);
  });

  it.skipIf(lacks('python'))("pip refuses a FILE.metadata that is not the one the page vouches for", async () => {
    const copy = await mkdtemp(join(tmpdir(), 'wg-index-meta-'));
    try {
      await cp(site, copy, { recursive: true });
      await writeFile(join(copy, `${SAMPLE_WHEEL}.metadata`), 'Metadata-Version: 2.1\nName: wheel-guard-sample\nVersion: 1.0.0\nRequires-Dist: evil\n');
      const other = await startPythonHttpServer(copy);
      try {
        const { code, output } = await pipInstall(`${other.endpoint}/simple/`, 'wheel-guard-sample');
        expect(code).not.toBe(0);
        expect(output).toMatch(/DO NOT MATCH THE HASHES/);
        expect(other.requests()).toContain(`"GET /${SAMPLE_WHEEL}.metadata HTTP/1.1" 200`);
        // Refused at the metadata: the wheel itself was never asked for.
        expect(other.requests()).not.toContain(`"GET /${SAMPLE_WHEEL} HTTP/1.1" 200`);
      } finally {
        await other.stop();
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe.skipIf(lacks('nginx', 'python'))("wheel-guard's own web container reads the index it wrote", () => {
  it.each([
    ['nginx (JSON)', () => nginx.endpoint],
    ['python http.server (HTML)', () => python.endpoint],
  ])('collect from %s /simple/wheel-guard-sample/: both files, by the digests the page states', async (_, endpoint) => {
    const run = await runAction('collect', { container: `${endpoint()}/simple/wheel-guard-sample/`, pattern: PATTERNS, path: 'from-index', sha256sums: 'from-index.sums' }, ws);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'from-index'))).toEqual([SDIST, SAMPLE_WHEEL].sort());
    for (const file of [SDIST, SAMPLE_WHEEL]) expect((await readFile(join(ws, 'from-index', file))).equals(await readFile(join(ws, 'wheelhouse', file)))).toBe(true);
    await rm(join(ws, 'from-index'), { recursive: true, force: true });
  });
});

describe('wheel-guard index DIR (CLI)', () => {
  it('verifies DIR against --digests, then writes the index; a file that fails writes none and exits 1', async () => {
    const run = await runCli(['index', 'dist', '--digests', 'SHA256SUMS', '--pattern', '*.whl', '--pattern', '*.tar.gz', '--output', 'cli-site'], ws);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`index written to ${join(ws, 'cli-site', 'simple')}`);
    expect(await names(join(ws, 'cli-site'))).toEqual(await names(site));
    for (const page of ['index.html', 'index.json', 'wheel-guard-sample/index.html', 'wheel-guard-sample/index.json']) {
      expect(await readFile(join(ws, 'cli-site', 'simple', page), 'utf8')).toBe(await readFile(join(site, 'simple', page), 'utf8'));
    }

    await cp(join(ws, 'dist'), join(ws, 'dist-bad'), { recursive: true });
    await truncate(join(ws, 'dist-bad', SAMPLE_WHEEL), 500);
    const bad = await runCli(['index', 'dist-bad', '--digests', 'SHA256SUMS', '--output', 'cli-site-bad'], ws);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`error: ${SAMPLE_WHEEL.replace(/\./g, '\\.')}: sha256 mismatch`));
    expect(bad.stderr).toMatch(/index: cli-site-bad not written: this run has 1 problem\(s\)/);
    expect(await names(ws)).not.toContain('cli-site-bad');
  });

  it('usage errors exit 2: no target, both targets, a URL to index, --output inside nothing but itself is in place', async () => {
    const none = await runCli(['index', 'dist'], ws);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('index: give exactly one of --output DIR');
    const url = await runCli(['index', 'https://example.org/x/', '--output', 'x'], ws);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('is a container URL; collect it first');
    const web = await runCli(['index', 'dist', '--container', 'https://example.org/x/'], ws);
    expect(web.code).toBe(2);
    expect(web.stderr).toContain('--container: https://example.org/x/ is a web address, which nothing can be written to');
  });
});

describe('one writer', () => {
  it('post-build refuses an index input before any work, naming collect', async () => {
    const run = await runAction('post-build', { container: 'parked-again', index: 'site2' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors).toEqual(['index: the index has one writer, the release job: run it from collect (index: a directory or container), not from post-build']);
    expect(await names(ws)).not.toContain('parked-again');
    const root = await runAction('root', { mode: 'post-build', container: 'parked-again', index: 'site2' }, ws);
    expect(root.code).toBe(1);
    expect(root.errors).toEqual(['index: the index has one writer, the release job: run it from collect (index: a directory or container), not from post-build']);
  });

  it('collect refuses an index inside path, before any download', async () => {
    const run = await runAction('collect', { container: 'parked', path: 'dist3', index: 'dist3/site' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run).concat(run.errors)[0]).toMatch(new RegExp(`^index: .*${escape(join('dist3', 'site'))} is inside dist3, the directory of distributions`));
    expect(await names(ws)).not.toContain('dist3');
  });

  it('a run with a problem writes no index', async () => {
    await cp(join(ws, 'parked'), join(ws, 'parked-bad'), { recursive: true });
    await truncate(join(ws, 'parked-bad', 'example-21.12-py3-none-any.whl'), 100);
    const run = await runAction('collect', { container: 'parked-bad', pattern: PATTERNS, path: 'dist4', sha256sums: 'dist4.sums', index: 'site4' }, ws);
    expect(run.code).toBe(1);
    expect(run.outputs.index).toBe('');
    expect(run.stdout).toMatch(/index: site4 not written: this run has 1 problem\(s\)/);
    expect(await names(ws)).not.toContain('site4');
  });
});

describe('an index in an S3 container (s3rver), read back over HTTP', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3rver(['wheels']);
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it.skipIf(lacks('python'))('the pages carry their content types; wheel-guard collects from the index through S3 over HTTP', async () => {
    const run = await runAction('collect', { container: 'parked', pattern: PATTERNS, path: 'dist-s3', sha256sums: 'dist-s3.sums', index: 's3://wheels/idx', endpoint: s3.endpoint }, ws, s3.env);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.index).toBe('s3://wheels/idx/simple/');
    const get = async (key: string): Promise<{ type: string | null; body: Buffer }> => {
      const response = await fetch(`${s3.endpoint}/wheels/idx/${key}`);
      expect(response.status, key).toBe(200);
      return { type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
    };
    for (const page of ['index.html', 'wheel-guard-sample/index.html']) {
      const { type, body } = await get(`simple/${page}`);
      expect(type).toBe('text/html; charset=utf-8');
      expect(body.toString()).toBe(await readFile(join(site, 'simple', page), 'utf8'));
    }
    for (const page of ['index.json', 'example/index.json']) {
      const { type, body } = await get(`simple/${page}`);
      expect(type).toBe('application/vnd.pypi.simple.v1+json');
      expect(body.toString()).toBe(await readFile(join(site, 'simple', page), 'utf8'));
    }
    expect((await get(`${SAMPLE_WHEEL}.metadata`)).body.equals(metadataOf(join(ws, 'wheelhouse', SAMPLE_WHEEL)))).toBe(true);
    expect((await get(SAMPLE_WHEEL)).body.equals(await readFile(join(ws, 'wheelhouse', SAMPLE_WHEEL)))).toBe(true);
    const back = await runAction('collect', { container: `${s3.endpoint}/wheels/idx/simple/wheel-guard-sample/index.html`, pattern: PATTERNS, path: 'from-s3', sha256sums: 'from-s3.sums' }, ws);
    expect(back.errors).toEqual([]);
    expect(back.code).toBe(0);
    expect(await names(join(ws, 'from-s3'))).toEqual([SDIST, SAMPLE_WHEEL].sort());
  });
});

describe('an index in an Azure container (Azurite), read back over HTTP', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('each blob has its content type; a public container serves the index to wheel-guard over plain HTTP', async () => {
    const client = await azuriteContainer(azurite, 'site');
    const run = await runAction(
      'collect',
      { container: 'parked', pattern: PATTERNS, path: 'dist-az', sha256sums: 'dist-az.sums', index: 'azure://devstoreaccount1/site/idx', endpoint: azurite.origin },
      ws,
      azuriteEnv(),
    );
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.index).toBe('azure://devstoreaccount1/site/idx/simple/');
    const blobs: string[] = [];
    for await (const item of client.listBlobsFlat({ prefix: 'idx/' })) blobs.push(item.name.slice('idx/'.length));
    expect(blobs.sort()).toEqual([...ALL, ...WHEELS.map((w) => `${w}.metadata`), 'simple/example/index.html', 'simple/example/index.json', 'simple/index.html', 'simple/index.json', 'simple/wheel-guard-sample/index.html', 'simple/wheel-guard-sample/index.json', 'simple/wheel/index.html', 'simple/wheel/index.json'].sort());
    const type = async (name: string) => (await client.getBlobClient(`idx/${name}`).getProperties()).contentType;
    expect(await type('simple/wheel/index.html')).toBe('text/html; charset=utf-8');
    expect(await type('simple/wheel/index.json')).toBe('application/vnd.pypi.simple.v1+json');
    expect(await type(SAMPLE_WHEEL)).toBe('application/octet-stream');
    await client.setAccessPolicy('blob');
    const back = await runAction('collect', { container: `${azurite.blobEndpoint}/site/idx/simple/wheel-guard-sample/index.html`, pattern: PATTERNS, path: 'from-az', sha256sums: 'from-az.sums' }, ws);
    expect(back.errors).toEqual([]);
    expect(back.code).toBe(0);
    expect(await names(join(ws, 'from-az'))).toEqual([SDIST, SAMPLE_WHEEL].sort());
  });
});

describe('a wheel swapped on the server (last: it changes the served tree)', () => {
  it.skipIf(lacks('python', 'nginx'))('pip refuses another real wheel of the same name for its hash; so does wheel-guard', async () => {
    const original = sha256(await readFile(join(site, SAMPLE_WHEEL)));
    const built = execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), await mkdtemp(join(tmpdir(), 'wg-swap-')), 'wheel-guard-sample', '1.0.0', '2048', '3'], { encoding: 'utf8' }).trim();
    expect(built.endsWith(SAMPLE_WHEEL)).toBe(true);
    await copyFile(built, join(site, SAMPLE_WHEEL));
    const swapped = sha256(await readFile(join(site, SAMPLE_WHEEL)));
    expect(swapped).not.toBe(original);
    const { code, output, installed } = await pipInstall(`${nginx.endpoint}/simple/`, 'wheel-guard-sample');
    expect(code).not.toBe(0);
    expect(output).toMatch(/THESE PACKAGES DO NOT MATCH THE HASHES/);
    expect(output).toContain(`Expected sha256 ${original}`);
    expect(output).toContain(`Got        ${swapped}`);
    expect(installed).toEqual([]);
    const run = await runAction('collect', { container: `${nginx.endpoint}/simple/wheel-guard-sample/`, path: 'after-swap', sha256sums: 'after-swap.sums' }, ws);
    expect(run.code).toBe(1);
    // The JSON page states each file's size (PEP 700) as well as its sha256: the other wheel is refused on its first bytes past it.
    const size = (await readFile(join(ws, 'wheelhouse', SAMPLE_WHEEL))).length;
    expect(problems(run)).toEqual([`${SAMPLE_WHEEL}: ${nginx.endpoint}/${SAMPLE_WHEEL} sends ${(await readFile(built)).length} bytes, the listing says ${size}; refused`]);
  });
});
