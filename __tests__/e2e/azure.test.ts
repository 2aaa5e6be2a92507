/**
 * Azure-specific behaviour, against Azurite on 127.0.0.1 (and rclone as a
 * foreign client): every credential route, blocks with their MD5, read-back,
 * paging past 5,000 blobs, folder semantics, ranged resume, errors a person
 * can act on, masking, interop both ways. (The shared post-build, collect and
 * content suites run against Azurite too: fixtures.ts.)
 */
import { ContainerClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { devNull } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Azurite, AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../helpers/azurite.js';
import { startProxy } from '../helpers/proxy.js';
import { lacks, NOT_POSIX, PYTHON, sha256sumCheckSidecars, sha256sumSidecar } from '../helpers/tools.js';
import { azuriteContainer, azuriteEnv } from './fixtures.js';
import { names, NODE, problems, ROOT, runAction, SAMPLES, spawnCollect, WHEELS, workspace } from './harness.js';

const BIG = WHEELS[1]!; // wheel-0.43.0, 65 775 bytes
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('base64');
const MiB = 1024 * 1024;

let azurite: Azurite;
let wheels: ContainerClient;
const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);

beforeAll(async () => {
  azurite = await startAzurite();
  wheels = await azuriteContainer(azurite, 'wheels');
});
afterAll(async () => {
  await azurite.stop();
});

const inputs = (prefix: string, endpoint = azurite.origin): Record<string, string> => ({ container: `azure://${AZURITE_ACCOUNT}/wheels/${prefix}`, endpoint });

/** A SAS token for the `wheels` container. */
function sas(permissions: string, { startsOn, expiresOn }: { startsOn?: Date; expiresOn?: Date } = {}): string {
  return generateBlobSASQueryParameters(
    { containerName: 'wheels', permissions: ContainerSASPermissions.parse(permissions), ...(startsOn ? { startsOn } : {}), expiresOn: expiresOn ?? new Date(Date.now() + 3_600_000) },
    credential,
  ).toString();
}

const blobNames = async (prefix: string): Promise<string[]> => {
  const found: string[] = [];
  for await (const item of wheels.listBlobsFlat({ prefix })) found.push(item.name.slice(prefix.length));
  return found.sort();
};

/** A workspace whose wheelhouse holds a generated wheel of `bytes` (and nothing else). */
async function bigWheel(bytes: number): Promise<{ ws: string; wheel: string }> {
  const ws = await workspace();
  await rm(join(ws, 'wheelhouse'), { recursive: true });
  await mkdir(join(ws, 'wheelhouse'));
  execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'big-pkg', '1.0.0', String(bytes)]);
  return { ws, wheel: 'big_pkg-1.0.0-py3-none-any.whl' };
}

describe('credentials, in the order Azure tools take them', () => {
  const routes: [string, (prefix: string) => { inputs: Record<string, string>; env: Record<string, string>; secret: () => string }][] = [
    [
      'AZURE_STORAGE_CONNECTION_STRING',
      (prefix) => {
        const value = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${azurite.blobEndpoint};`;
        return { inputs: { container: `azure://${AZURITE_ACCOUNT}/wheels/${prefix}` }, env: { AZURE_STORAGE_CONNECTION_STRING: value }, secret: () => AZURITE_KEY };
      },
    ],
    [
      'the sas-token input',
      (prefix) => {
        const token = sas('racwdl');
        return { inputs: { ...inputs(prefix), 'sas-token': token }, env: {}, secret: () => new URLSearchParams(token).get('sig')! };
      },
    ],
    [
      'AZURE_STORAGE_SAS_TOKEN',
      (prefix) => {
        const token = sas('racwdl');
        return { inputs: inputs(prefix), env: { AZURE_STORAGE_SAS_TOKEN: token }, secret: () => new URLSearchParams(token).get('sig')! };
      },
    ],
    ['AZURE_STORAGE_KEY', (prefix) => ({ inputs: inputs(prefix), env: azuriteEnv(), secret: () => AZURITE_KEY })],
  ];

  it.each(routes)('%s: post-build then collect, every pair verified, the secret only ever masked', async (_route, route) => {
    const ws = await workspace();
    const prefix = `routes/${Math.random().toString(36).slice(2)}`;
    const { inputs: given, env, secret } = route(prefix);
    const up = await runAction('post-build', given, ws, env);
    expect(up.errors).toEqual([]);
    expect(await blobNames(`${prefix}/`)).toEqual(WHEELS.flatMap((w) => [w, `${w}.sha256`]).sort());
    const down = await runAction('collect', given, ws, env);
    expect(down.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    for (const run of [up, down]) {
      expect(run.stdout).toContain(`::add-mask::${secret()}`);
      // Only in the runner's mask commands, which the runner itself never shows.
      expect(`${run.stdout}\n${run.stderr}`.split('\n').filter((line) => line.includes(secret()) && !line.startsWith('::add-mask::'))).toEqual([]);
    }
  });

  it('the https://ACCOUNT.blob.core.windows.net form with a SAS query: the endpoint input reaches Azurite; the token is masked and never shown', async () => {
    const ws = await workspace();
    const token = sas('racwdl');
    const container = `https://${AZURITE_ACCOUNT}.blob.core.windows.net/wheels/https-form/1.0?${token}`;
    const up = await runAction('post-build', { container, endpoint: azurite.origin }, ws, {});
    expect(up.errors).toEqual([]);
    expect(up.stdout).toContain(`azure://${AZURITE_ACCOUNT}/wheels/https-form/1.0/`);
    const signature = new URLSearchParams(token).get('sig')!;
    expect(up.stdout).toContain(`::add-mask::${signature}`);
    expect((up.stdout + up.stderr).split(signature)).toHaveLength(2);
    expect(await blobNames('https-form/1.0/')).toEqual(WHEELS.flatMap((w) => [w, `${w}.sha256`]).sort());
  });

  it('a connection string takes precedence over a SAS token and a key, and must be for the account the URL names', async () => {
    const ws = await workspace();
    const connection = `AccountName=otheraccount;AccountKey=${AZURITE_KEY};BlobEndpoint=${azurite.origin}/otheraccount`;
    const run = await runAction('post-build', inputs('precedence'), ws, { ...azuriteEnv(), AZURE_STORAGE_CONNECTION_STRING: connection, AZURE_STORAGE_SAS_TOKEN: sas('rl') });
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(/is in storage account "devstoreaccount1", but AZURE_STORAGE_CONNECTION_STRING is for account "otheraccount"/)]);
  });
});

describe('uploads', () => {
  it('a wheel up to one block goes in one Put Blob carrying its MD5 (checked by the service) and x-ms-meta-sha256', async () => {
    const ws = await workspace();
    const proxy = await startProxy(azurite.origin, () => undefined);
    try {
      expect((await runAction('post-build', inputs('one-put', proxy.endpoint), ws, azuriteEnv())).code).toBe(0);
      const bytes = await readFile(join(SAMPLES, BIG));
      const puts = proxy.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(BIG));
      expect(puts).toHaveLength(1);
      expect(puts[0]!.url).not.toContain('comp=');
      expect(puts[0]!.headers['content-md5']).toBe(md5(bytes));
      expect(puts[0]!.headers['x-ms-blob-content-md5']).toBe(md5(bytes));
      expect(puts[0]!.headers['x-ms-meta-sha256']).toBe(sha256(bytes));
      // The sidecar, the commit marker, only after the wheel was read back.
      const order = proxy.requests.map((r) => `${r.method} ${r.path.split('/').pop()}`);
      expect(order.indexOf(`GET ${BIG}`)).toBeGreaterThan(order.indexOf(`PUT ${BIG}`));
      expect(order.indexOf(`PUT ${BIG}.sha256`)).toBeGreaterThan(order.indexOf(`GET ${BIG}`));
    } finally {
      await proxy.stop();
    }
  });

  it.skipIf(lacks('python'))('a 20 MiB wheel goes in 8 MiB blocks, each with its MD5, then one block list with the MD5 of the whole and the sha256; it collects whole', async () => {
    const { ws, wheel } = await bigWheel(20 * MiB);
    const proxy = await startProxy(azurite.origin, () => undefined);
    try {
      const up = await runAction('post-build', inputs('blocks', proxy.endpoint), ws, azuriteEnv());
      expect(up.errors).toEqual([]);
      const bytes = await readFile(join(ws, 'wheelhouse', wheel));
      // Blocks go four in flight, so they reach the proxy in any order: put them in the file's order by the
      // number their id ends with (wg-<nonce>-000000, …).
      const blockNumber = (r: { url: string }) =>
        Number(Buffer.from(new URL(r.url, 'http://x').searchParams.get('blockid')!, 'base64').toString().split('-').pop());
      const blocks = proxy.requests
        .filter((r) => r.method === 'PUT' && r.path.endsWith(wheel) && r.url.includes('comp=block&'))
        .sort((a, b) => blockNumber(a) - blockNumber(b));
      expect(blocks.map(blockNumber)).toEqual([0, 1, 2]);
      expect(blocks.map((r) => Number(r.headers['content-length']))).toEqual([8 * MiB, 8 * MiB, bytes.length - 16 * MiB]);
      const expectedMd5 = [0, 1, 2].map((i) => md5(bytes.subarray(i * 8 * MiB, Math.min(bytes.length, (i + 1) * 8 * MiB))));
      expect(blocks.map((r) => r.headers['content-md5'])).toEqual(expectedMd5);
      const ids = blocks.map((r) => new URL(r.url, 'http://x').searchParams.get('blockid'));
      expect(new Set(ids).size).toBe(3);
      const list = proxy.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(wheel) && r.url.includes('comp=blocklist'));
      expect(list).toHaveLength(1);
      expect(list[0]!.headers['x-ms-blob-content-md5']).toBe(md5(bytes));
      expect(list[0]!.headers['x-ms-meta-sha256']).toBe(sha256(bytes));
      const properties = await wheels.getBlobClient(`blocks/${wheel}`).getProperties();
      expect(Buffer.from(properties.contentMD5!).toString('base64')).toBe(md5(bytes));
      expect(properties.metadata?.sha256).toBe(sha256(bytes));
      const down = await runAction('collect', inputs('blocks'), ws, azuriteEnv());
      expect(down.errors).toEqual([]);
      expect(sha256(await readFile(join(ws, 'dist', wheel)))).toBe(sha256(bytes));
    } finally {
      await proxy.stop();
    }
  });

  it.skipIf(lacks('python'))('a block damaged on its way is refused by the service (its MD5) and sent again; the wheel lands whole', async () => {
    const { ws, wheel } = await bigWheel(10 * MiB);
    const proxy = await startProxy(azurite.origin, (req, seen) =>
      req.method === 'PUT' && req.url?.includes('comp=block&') && req.url.split('?')[0]!.endsWith(wheel) && seen === 0 ? { flipRequestByte: 1000 } : undefined,
    );
    try {
      const up = await runAction('post-build', inputs('damaged-block', proxy.endpoint), ws, azuriteEnv());
      expect(up.errors).toEqual([]);
      expect(up.warnings.some((w) => w.includes(wheel) && w.includes('damaged block'))).toBe(true);
      expect((await wheels.getBlobClient(`damaged-block/${wheel}`).downloadToBuffer()).equals(await readFile(join(ws, 'wheelhouse', wheel)))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('a store that sends back other bytes than it took: the read-back catches it, the sidecar is never written, the run fails naming the wheel', async () => {
    const ws = await workspace();
    const proxy = await startProxy(azurite.origin, (req) => (req.method === 'GET' && req.url?.split('?')[0]!.endsWith(BIG) ? { flipResponseByte: 5000 } : undefined));
    try {
      const run = await runAction('post-build', { ...inputs('read-back', proxy.endpoint), retries: '1' }, ws, azuriteEnv());
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${BIG.replace(/\./g, '\\.')}: sha256 mismatch \\(read back from the container\\)`))]);
      expect(await blobNames('read-back/')).not.toContain(`${BIG}.sha256`);
      expect(await blobNames('read-back/')).toEqual(expect.arrayContaining(WHEELS.filter((w) => w !== BIG).map((w) => `${w}.sha256`)));
    } finally {
      await proxy.stop();
    }
  });
});

describe('the CLI', () => {
  it('verify azure://… with --sas-token checks every pair and places nothing; collect with AZURE_STORAGE_SAS_TOKEN places them', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', inputs('cli'), ws, azuriteEnv())).code).toBe(0);
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AWS_|AZURE_|GITHUB_)/.test(key)));
    const cli = join(ROOT, 'dist/cli/index.js');
    const token = sas('rl');
    const verify = await spawnCollect(NODE, [cli, 'verify', `azure://${AZURITE_ACCOUNT}/wheels/cli`, '--endpoint', azurite.origin, '--sas-token', token], { cwd: ws, env });
    expect(verify.code, verify.stderr).toBe(0);
    for (const wheel of WHEELS) expect(verify.stdout).toMatch(new RegExp(`${wheel.replace(/\./g, '\\.')} .* [0-9a-f]{64} +verified`));
    const collect = await spawnCollect(NODE, [cli, 'collect', '--container', `azure://${AZURITE_ACCOUNT}/wheels/cli`, '--endpoint', azurite.origin, '--path', 'from-cli'], {
      cwd: ws,
      env: { ...env, AZURE_STORAGE_SAS_TOKEN: token },
    });
    expect(collect.code).toBe(0);
    expect(await names(join(ws, 'from-cli'))).toEqual(WHEELS);
    expect(verify.stdout + collect.stdout + collect.stderr).not.toContain(new URLSearchParams(token).get('sig')!);
  });
});

describe('listing', () => {
  it('pages through 5,500 blobs and treats the prefix as a folder', async () => {
    const ws = await workspace();
    const sidecar = Buffer.from(`${'0'.repeat(64)}  x\n`);
    // 5,500 stray sidecars under the prefix (each names a wheel that is absent), a wheel in a subfolder, and a sibling folder 1.20.
    const keys = Array.from({ length: 5500 }, (_, i) => `many/1.2/pkg${String(i).padStart(4, '0')}-1.0-py3-none-any.whl.sha256`);
    for (let start = 0; start < keys.length; start += 100) {
      await Promise.all(keys.slice(start, start + 100).map((key) => wheels.getBlockBlobClient(key).upload(sidecar, sidecar.length)));
    }
    const inner = await readFile(join(SAMPLES, WHEELS[0]!));
    await wheels.getBlockBlobClient(`many/1.2/sub/${WHEELS[0]}`).upload(inner, inner.length);
    expect((await runAction('post-build', inputs('many/1.20'), ws, azuriteEnv())).code).toBe(0);
    const proxy = await startProxy(azurite.origin, () => undefined);
    try {
      const run = await runAction('collect', { ...inputs('many/1.2', proxy.endpoint), sha256sums: 'sums' }, ws, azuriteEnv());
      expect(run.code).toBe(1);
      const logged = run.stdout.split('\n').filter((line) => line.startsWith('error: ') && line.includes('the wheel itself is not'));
      expect(logged).toHaveLength(5500 - 50);
      expect(problems(run).filter((e) => e.includes('the wheel itself is not'))).toHaveLength(50);
      expect(logged.some((e) => e.startsWith('error: pkg5499-1.0'))).toBe(true);
      // Two pages (5,000 and 500): the second asked for with the first's marker.
      const pages = proxy.requests.filter((r) => r.method === 'GET' && r.url.includes('comp=list'));
      expect(pages).toHaveLength(2);
      expect(pages[1]!.url).toMatch(/[?&]marker=/);
      // Nothing from the sibling folder 1.20 or the subfolder was taken for 1.2.
      expect(problems(run).some((e) => WHEELS.some((w) => e.includes(w)))).toBe(false);
      expect(await names(join(ws, 'dist'))).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('resume', () => {
  it('a download cut after 20,000 bytes resumes with a ranged read, the hash carried on', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', inputs('resume'), ws, azuriteEnv())).code).toBe(0);
    const proxy = await startProxy(azurite.origin, (req, seen) =>
      req.method === 'GET' && req.url?.split('?')[0]!.endsWith(BIG) && seen === 0 ? { resetResponseAfter: 20_000 } : undefined,
    );
    try {
      const run = await runAction('collect', inputs('resume', proxy.endpoint), ws, azuriteEnv());
      expect(run.errors).toEqual([]);
      const gets = proxy.requests.filter((r) => r.method === 'GET' && r.path.endsWith(BIG));
      expect(gets.map((r) => r.headers['x-ms-range'] ?? r.headers.range ?? '')).toEqual(['', 'bytes=20000-']);
      expect(await readFile(join(ws, 'dist', BIG))).toEqual(await readFile(join(SAMPLES, BIG)));
      expect(run.warnings.some((w) => w.includes(BIG) && w.includes('broke off after 20000 bytes'))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe('errors a person can act on: one line, no stack trace', () => {
  const hour = 3_600_000;
  const cases: [string, () => Record<string, string>, () => Record<string, string>, RegExp][] = [
    [
      'container not found',
      () => ({ container: `azure://${AZURITE_ACCOUNT}/no-such-container/x`, endpoint: azurite.origin }),
      azuriteEnv,
      /blob container "no-such-container" not found in storage account "devstoreaccount1" at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1: check the container URL/,
    ],
    ['wrong account key', () => inputs('x'), () => ({ AZURE_STORAGE_KEY: Buffer.alloc(64, 7).toString('base64') }), /authentication failed for storage account "devstoreaccount1" \(account key, \w+\): the account key does not belong to account "devstoreaccount1"/],
    ['wrong account', () => ({ container: 'azure://otheraccount/wheels/x', endpoint: azurite.origin }), azuriteEnv, /storage account "otheraccount" not found at http:\/\/127\.0\.0\.1:\d+\/otheraccount/],
    ['bad endpoint', () => inputs('x', 'http://127.0.0.1:9'), azuriteEnv, /cannot reach http:\/\/127\.0\.0\.1:9\/devstoreaccount1 .*check the account name, the endpoint input and the network/],
    ['no credentials', () => inputs('x'), () => ({ AZURE_TOKEN_CREDENTIALS: 'dev' }), /no Azure credentials found for azure:\/\/devstoreaccount1\/wheels\/x\/: set AZURE_STORAGE_CONNECTION_STRING, a SAS token/],
    [
      'an expired SAS token',
      () => ({ ...inputs('x'), 'sas-token': sas('racwdl', { startsOn: new Date(Date.now() - 2 * hour), expiresOn: new Date(Date.now() - hour) }) }),
      () => ({}),
      /refused \(\w+\): the SAS token expired at \d{4}-\d\d-\d\dT[\d:.]+Z \(its se=\); make a new one/,
    ],
    [
      'a SAS token not valid yet',
      () => ({ ...inputs('x'), 'sas-token': sas('racwdl', { startsOn: new Date(Date.now() + hour) }) }),
      () => ({}),
      /the SAS token is valid only from \d{4}-[\d\-T:.]+Z \(its st=\); check this machine's clock/,
    ],
    [
      'a SAS token that only reads',
      () => ({ ...inputs('x'), 'sas-token': sas('r') }),
      () => ({}),
      // collect cannot list; post-build reads (no sidecar there yet) and cannot write.
      /not authorized to (list azure:\/\/devstoreaccount1\/wheels\/x\/|write azure:\/\/devstoreaccount1\/wheels\/x\/\S+\.whl) \(SAS token, AuthorizationPermissionMismatch\): the SAS token must allow read(, list, write and delete| and list)/,
    ],
  ];
  it.each(cases)('%s', async (_what, input, env, message) => {
    const ws = await workspace();
    for (const entry of ['collect', 'post-build'] as const) {
      const run = await runAction(entry, { ...input(), retries: '0' }, ws, env());
      expect(run.code).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(message);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("this machine's clock far off the service's: the refusal says so, from the answer's Date", async () => {
    const ws = await workspace();
    // Azurite runs on this machine's clock: the proxy gives its answers a Date two hours ahead, and a wrong key gets them refused.
    const ahead = new Date(Date.now() + 2 * 3_600_000).toUTCString();
    const proxy = await startProxy(azurite.origin, () => ({ responseHeaders: { date: ahead } }));
    try {
      const run = await runAction('collect', { ...inputs('x', proxy.endpoint), retries: '0' }, ws, { AZURE_STORAGE_KEY: Buffer.alloc(64, 7).toString('base64') });
      expect(run.errors).toEqual([expect.stringMatching(/this machine's clock is 120 minutes behind the storage service's .*fix the clock/)]);
    } finally {
      await proxy.stop();
    }
  });

  it('a store that sends an endless listing is cut at 16 MiB, not read into memory', async () => {
    const ws = await workspace();
    let sent = 0;
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml', 'x-ms-version': '2025-01-05' });
      const entry = Buffer.from(`<Blob><Name>${'a'.repeat(900)}.whl</Name><Properties><Content-Length>1</Content-Length></Properties></Blob>`);
      res.write('<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>');
      const pump = (): void => {
        while (!res.destroyed && sent < 64 * MiB) {
          sent += entry.length;
          if (!res.write(entry)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      req.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await runAction('collect', { ...inputs('x', endpoint), retries: '0' }, ws, azuriteEnv());
      expect(run.code).toBe(1);
      expect(run.errors).toEqual([expect.stringMatching(/the store's answer to GET \/devstoreaccount1\/wheels is larger than 16 MiB; refused/)]);
      expect(sent).toBeLessThan(40 * MiB);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('interop with rclone (azureblob backend)', () => {
  // Asynchronous: Azurite runs in a child process, but the test must not block its own event loop either.
  const rclone = async (args: string[], cwd: string): Promise<void> => {
    const env: NodeJS.ProcessEnv = { ...process.env, RCLONE_CONFIG: devNull };
    delete env.AWS_CA_BUNDLE; // rclone here fails until it is unset
    const run = await spawnCollect('rclone', [...args, '--azureblob-sas-url', `${azurite.blobEndpoint}/wheels?${sas('racwdl')}`], { cwd, env });
    expect(run.stderr.replace(/^.*NOTICE: Config file .*\n/m, '')).toBe('');
    expect(run.code).toBe(0);
  };

  it.skipIf(lacks('rclone', 'python', 'sha256sum'))('pairs that post-build uploaded download with `rclone copy` (which checks the stored MD5) and pass `sha256sum -c`', async () => {
    const { ws, wheel } = await bigWheel(10 * MiB);
    for (const w of WHEELS) await copyFile(join(SAMPLES, w), join(ws, 'wheelhouse', w));
    expect((await runAction('post-build', inputs('to-rclone'), ws, azuriteEnv())).code).toBe(0);
    await rclone(['copy', ':azureblob:wheels/to-rclone', 'got'], ws);
    const check = sha256sumCheckSidecars(join(ws, 'got'), await readdir(join(ws, 'got')));
    expect(check.match(/: OK$/gm)).toHaveLength(4);
    // rclone reads the MD5 wheel-guard stored for each blob: the same as the file's.
    const env: NodeJS.ProcessEnv = { ...process.env, RCLONE_CONFIG: devNull };
    delete env.AWS_CA_BUNDLE;
    const listed = execFileSync('rclone', ['md5sum', ':azureblob:wheels/to-rclone', '--azureblob-sas-url', `${azurite.blobEndpoint}/wheels?${sas('rl')}`], { encoding: 'utf8', env });
    const stored = Object.fromEntries(listed.trim().split('\n').map((line) => line.split(/\s+/).reverse()));
    expect(stored[wheel]).toBe(createHash('md5').update(await readFile(join(ws, 'wheelhouse', wheel))).digest('hex'));
  });

  it.skipIf(lacks('rclone', 'sha256sum'))('pairs uploaded with `rclone copy` (sidecars made by sha256sum) are collected and verified', async () => {
    const ws = await workspace();
    await mkdir(join(ws, 'by-hand'));
    for (const wheel of WHEELS) {
      await copyFile(join(SAMPLES, wheel), join(ws, 'by-hand', wheel));
      sha256sumSidecar(join(ws, 'by-hand'), wheel);
    }
    await rclone(['copy', 'by-hand', ':azureblob:wheels/from-rclone'], ws);
    const run = await runAction('collect', inputs('from-rclone'), ws, azuriteEnv());
    expect(run.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });
});

// `az` here is a #!/bin/sh script: Windows runs neither it nor a script without an extension (it would need az.cmd).
const AZ_SCRIPT = NOT_POSIX && 'the fake `az` is a POSIX shell script';

describe.skipIf(lacks('openssl') || AZ_SCRIPT)('a signed-in identity (DefaultAzureCredential, as azure/login leaves it)', () => {
  // azure/login signs the Azure CLI in; DefaultAzureCredential asks `az account get-access-token` for a token.
  // Here `az` is a script that hands out a token Azurite's --oauth basic accepts (issuer, audience and lifetime
  // are checked, not the signature), and Azurite serves HTTPS (the SDK sends a token over TLS only) with a
  // certificate made for 127.0.0.1 that the bundle trusts through NODE_EXTRA_CA_CERTS.
  let secure: Azurite;
  let dir: string;
  beforeAll(async () => {
    dir = await workspace();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
    secure = await startAzurite({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') });
    const admin = new ContainerClient(`${secure.blobEndpoint}/wheels`, credential);
    await new Promise<void>((resolve, reject) => {
      // The test's own client trusts the certificate for this one call.
      const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
      admin.createIfNotExists().then(() => resolve(), reject).finally(() => {
        if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
        else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
      });
    });
  });
  afterAll(async () => {
    await secure?.stop();
  });

  /** A fake `az` on PATH that prints `answer` (or fails with `stderr`), and records its arguments. */
  async function fakeAz(answer: Record<string, unknown> | undefined, stderr = ''): Promise<Record<string, string>> {
    const bin = join(dir, `bin-${Math.random().toString(36).slice(2)}`);
    await mkdir(bin);
    const script = answer
      ? `#!/bin/sh\necho "$@" >> "${bin}/args"\ncat <<'JSON'\n${JSON.stringify(answer)}\nJSON\n`
      : `#!/bin/sh\necho "$@" >> "${bin}/args"\necho '${stderr}' >&2\nexit 1\n`;
    const { writeFile, chmod } = await import('node:fs/promises');
    await writeFile(join(bin, 'az'), script);
    await chmod(join(bin, 'az'), 0o755);
    return { PATH: `${bin}${delimiter}${process.env.PATH}`, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential', WG_AZ_ARGS: join(bin, 'args') };
  }

  const token = (claims: Record<string, unknown>): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'https://sts.windows.net/72f988bf-0000-0000-0000-000000000000/', aud: 'https://storage.azure.com', iat: now, nbf: now - 60, exp: now + 3600, ...claims })}.c2lnbmF0dXJl`;
    return { accessToken: jwt, expiresOn: new Date((now + 3600) * 1000).toISOString(), expires_on: now + 3600, tokenType: 'Bearer', tenant: '72f988bf-0000-0000-0000-000000000000' };
  };

  it('post-build then collect with the token az hands out: every pair verified; the token was asked for Azure Storage', async () => {
    const ws = await workspace();
    const env = await fakeAz(token({}));
    const given = { container: `azure://${AZURITE_ACCOUNT}/wheels/identity/1.0`, endpoint: secure.origin };
    const up = await runAction('post-build', given, ws, env);
    expect(up.errors).toEqual([]);
    const down = await runAction('collect', given, ws, env);
    expect(down.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    expect(await readFile(env.WG_AZ_ARGS!, 'utf8')).toMatch(/account get-access-token .*--resource https:\/\/storage\.azure\.com/);
  });

  it('a token the service refuses (another audience): one line naming the identity and azure/login', async () => {
    const ws = await workspace();
    const env = await fakeAz(token({ aud: 'https://management.azure.com' }));
    const run = await runAction('collect', { container: `azure://${AZURITE_ACCOUNT}/wheels/identity/1.0`, endpoint: secure.origin, retries: '0' }, ws, env);
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(/authentication failed for storage account "devstoreaccount1" \(DefaultAzureCredential, \w+\): the signed-in identity was refused; check azure\/login/)]);
  });

  it('az not signed in: no credentials, and what to set', async () => {
    const ws = await workspace();
    const env = await fakeAz(undefined, "ERROR: Please run 'az login' to setup account.");
    const run = await runAction('collect', { container: `azure://${AZURITE_ACCOUNT}/wheels/identity/1.0`, endpoint: secure.origin, retries: '0' }, ws, env);
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([expect.stringMatching(/^no Azure credentials found for azure:\/\/devstoreaccount1\/wheels\/identity\/1\.0\/: set AZURE_STORAGE_CONNECTION_STRING, .*or sign in with azure\/login/)]);
  });
});
