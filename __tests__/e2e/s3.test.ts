/**
 * S3-specific behaviour, against s3rver on 127.0.0.1 (and the AWS CLI as a
 * foreign client): a store that saves something else than it was sent,
 * paging, folder semantics, ranged resume, errors a person can act on,
 * masking, interop both ways.
 */
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy } from '../helpers/proxy.js';
import { type S3Server, startS3rver } from '../helpers/s3rver.js';
import { AWS, lacks, PYTHON, sha256sumCheckSidecars, sha256sumSidecar } from '../helpers/tools.js';
import { testS3Client } from './fixtures.js';
import { names, problems, ROOT, runAction, SAMPLES, spawnCollect, WHEELS, workspace } from './harness.js';

const BIG = WHEELS[1]!; // wheel-0.43.0, 65 775 bytes
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let server: S3Server;
let s3: S3Client;

beforeAll(async () => {
  server = await startS3rver(['wheels', 'other']);
  s3 = testS3Client(server);
});
afterAll(async () => {
  s3.destroy();
  await server.stop();
});

const inputs = (prefix: string, endpoint = server.endpoint) => ({ container: `s3://wheels/${prefix}`, endpoint });

describe('a store that saves something other than it was sent', () => {
  it("the SDK's default aws-chunked upload is silently corrupted by s3rver (the pitfall)", async () => {
    const bytes = await readFile(join(SAMPLES, BIG));
    const naive = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const { Readable } = await import('node:stream');
    const answer = await naive.send(
      new PutObjectCommand({ Bucket: 'wheels', Key: 'naive/x.whl', Body: Readable.from([bytes]), ContentLength: bytes.length }),
    );
    naive.destroy();
    expect(answer.$metadata.httpStatusCode).toBe(200);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const stored = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'wheels', Key: 'naive/x.whl' }))).Body!.transformToByteArray());
    expect(stored.length).not.toBe(bytes.length);
    expect(sha256(stored)).not.toBe(sha256(bytes));
  });

  it('post-build reads back, catches the damaged object, never writes its sidecar, fails naming the wheel', async () => {
    const ws = await workspace();
    // Every PUT of the big wheel reaches the server with one byte changed, and the server answers 200.
    const proxy = await startProxy(server.endpoint, (req) =>
      req.method === 'PUT' && req.url?.split('?')[0]!.endsWith(BIG) ? { flipRequestByte: 5000 } : undefined,
    );
    try {
      const run = await runAction('post-build', { ...inputs('damaged', proxy.endpoint), retries: '1' }, ws, server.env);
      expect(run.code).toBe(1);
      expect(problems(run)).toEqual([expect.stringMatching(new RegExp(`^${BIG.replace(/\./g, '\\.')}: sha256 mismatch \\(read back from the container\\)`))]);
      expect(proxy.log.filter((line) => line.startsWith('PUT') && line.includes(BIG))).toHaveLength(2);
      const collect = await runAction('collect', { ...inputs('damaged'), retries: '0' }, ws, server.env);
      expect(collect.errors.some((e) => e.includes(BIG) && e.includes('no sidecar'))).toBe(true);
      expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== BIG));
    } finally {
      await proxy.stop();
    }
  });
});

describe('uploads', () => {
  it('a wheel up to 64 MiB goes in one PUT carrying its sha256 as x-amz-checksum-sha256 and x-amz-meta-sha256', async () => {
    const ws = await workspace();
    const proxy = await startProxy(server.endpoint, () => undefined);
    try {
      expect((await runAction('post-build', inputs('one-put', proxy.endpoint), ws, server.env)).code).toBe(0);
      const put = proxy.requests.find((r) => r.method === 'PUT' && r.path.endsWith(BIG))!;
      const digest = sha256(await readFile(join(SAMPLES, BIG)));
      expect(put.headers['x-amz-checksum-sha256']).toBe(Buffer.from(digest, 'hex').toString('base64'));
      expect(put.headers['x-amz-meta-sha256']).toBe(digest);
      expect(put.headers['content-length']).toBe('65775');
      expect(put.headers['content-encoding'] ?? '').not.toContain('aws-chunked');
    } finally {
      await proxy.stop();
    }
  });

  it.skipIf(lacks('python'))('a 70 MB wheel goes multipart, streamed, and collects whole', async () => {
    const ws = await workspace();
    await rm(join(ws, 'wheelhouse'), { recursive: true });
    await mkdir(join(ws, 'wheelhouse'));
    execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'big-pkg', '1.0.0', String(70 * 1024 * 1024)]);
    const wheel = 'big_pkg-1.0.0-py3-none-any.whl';
    const proxy = await startProxy(server.endpoint, () => undefined);
    try {
      const up = await runAction('post-build', inputs('multipart', proxy.endpoint), ws, server.env);
      expect(up.errors).toEqual([]);
      const parts = proxy.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(wheel));
      expect(parts).toHaveLength(5); // 70 MiB in 16 MiB parts
      // Each part streamed from its range of the file, its length known, never aws-chunked.
      const size = (await stat(join(ws, 'wheelhouse', wheel))).size;
      const part = 16 * 1024 * 1024;
      expect(parts.map((r) => Number(r.headers['content-length'])).sort((a, b) => b - a)).toEqual([part, part, part, part, size - 4 * part]);
      for (const request of parts) expect(request.headers['content-encoding'] ?? '').not.toContain('aws-chunked');
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'wheels', Key: `multipart/${wheel}` }));
      const digest = sha256(await readFile(join(ws, 'wheelhouse', wheel)));
      expect(head.Metadata?.sha256).toBe(digest);
      const down = await runAction('collect', inputs('multipart'), ws, server.env);
      expect(down.errors).toEqual([]);
      expect(sha256(await readFile(join(ws, 'dist', wheel)))).toBe(digest);
    } finally {
      await proxy.stop();
    }
  });
});

describe('sidecars read ahead', () => {
  it("collect reads the next wheels' sidecars while a wheel downloads, each sidecar once", async () => {
    const ws = await workspace();
    expect((await runAction('post-build', inputs('ahead'), ws, server.env)).code).toBe(0);
    const proxy = await startProxy(server.endpoint, () => undefined);
    try {
      const run = await runAction('collect', { ...inputs('ahead', proxy.endpoint), concurrency: '1' }, ws, server.env);
      expect(run.errors).toEqual([]);
      const gets = proxy.requests.filter((r) => r.method === 'GET').map((r) => r.path.split('/').pop()!);
      const wheels = gets.filter((name) => name.endsWith('.whl'));
      expect([...wheels].sort()).toEqual([...WHEELS].sort());
      // Each sidecar read once: the read ahead is used, not repeated.
      for (const wheel of WHEELS) expect(gets.filter((name) => name === `${wheel}.sha256`)).toHaveLength(1);
      // One file at a time, yet the next one's sidecar is asked for before this one's wheel.
      for (let k = 1; k < wheels.length; k++) expect(gets.indexOf(`${wheels[k]}.sha256`)).toBeLessThan(gets.indexOf(wheels[k - 1]!));
    } finally {
      await proxy.stop();
    }
  });
});

describe('listing', () => {
  it('pages through more than 1,000 keys and treats the prefix as a folder', async () => {
    const ws = await workspace();
    const sidecar = Buffer.from(`${'0'.repeat(64)}  x\n`);
    // 1,500 stray sidecars under the prefix (each names a wheel that is absent), and a sibling folder 1.20.
    for (let start = 0; start < 1500; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          s3.send(new PutObjectCommand({ Bucket: 'wheels', Key: `many/1.2/pkg${String(start + i).padStart(4, '0')}-1.0-py3-none-any.whl.sha256`, Body: sidecar })),
        ),
      );
    }
    await runAction('post-build', inputs('many/1.20'), ws, server.env);
    const run = await runAction('collect', { ...inputs('many/1.2'), sha256sums: 'sums' }, ws, server.env);
    expect(run.code).toBe(1);
    // The first 50 problems are annotations; every one of the 1,500 is named in the log.
    const orphans = problems(run).filter((e) => e.includes('the wheel itself is not'));
    expect(orphans).toHaveLength(50);
    const logged = run.stdout.split('\n').filter((line) => line.startsWith('error: ') && line.includes('the wheel itself is not'));
    expect(logged).toHaveLength(1450);
    expect(logged.some((e) => e.startsWith('error: pkg1499-1.0'))).toBe(true);
    // Nothing from the sibling folder 1.20 was taken for 1.2.
    expect(problems(run).some((e) => WHEELS.some((w) => e.includes(w)))).toBe(false);
    expect(await names(join(ws, 'dist'))).toEqual([]);
  });
});

describe('resume', () => {
  it('a download cut after 20,000 bytes resumes with a ranged GET, the hash carried on', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', inputs('resume'), ws, server.env)).code).toBe(0);
    const proxy = await startProxy(server.endpoint, (req, seen) =>
      req.method === 'GET' && req.url?.split('?')[0]!.endsWith(BIG) && seen === 0 ? { resetResponseAfter: 20_000 } : undefined,
    );
    try {
      const run = await runAction('collect', inputs('resume', proxy.endpoint), ws, server.env);
      expect(run.errors).toEqual([]);
      expect(run.code).toBe(0);
      const gets = proxy.log.filter((line) => line.startsWith('GET') && line.includes(BIG) && !line.includes('.sha256'));
      expect(gets).toEqual([expect.stringMatching(/GET .*wheel-0\.43\.0-py3-none-any\.whl$/), expect.stringMatching(/bytes=20000-$/)]);
      expect(await readFile(join(ws, 'dist', BIG))).toEqual(await readFile(join(SAMPLES, BIG)));
      expect(run.warnings.some((w) => w.includes(BIG) && w.includes('broke off after 20000 bytes'))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe('errors a person can act on: one line, no stack trace', () => {
  const cases: [string, () => Record<string, string>, () => Record<string, string>, RegExp][] = [
    ['bucket not found', () => ({ container: 's3://no-such-bucket/x', endpoint: server.endpoint }), () => server.env, /bucket "no-such-bucket" not found at http:\/\/127\.0\.0\.1:\d+: check the container URL/],
    ['access denied (unknown key)', () => inputs('x'), () => ({ ...server.env, AWS_ACCESS_KEY_ID: 'NOT-S3RVER' }), /access denied to s3:\/\/wheels\/x\/.* \(s3:\w+, InvalidAccessKeyId\): check the credentials/],
    ['bad endpoint', () => inputs('x', 'http://127.0.0.1:9'), () => server.env, /cannot reach http:\/\/127\.0\.0\.1:9 .*check the endpoint input/],
    [
      'no credentials',
      () => inputs('x'),
      () => ({ AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: devNull, AWS_SHARED_CREDENTIALS_FILE: devNull }),
      /no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
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

  it('the secret key is masked and never printed', async () => {
    const ws = await workspace();
    const run = await runAction('post-build', inputs('x'), ws, { ...server.env, AWS_SECRET_ACCESS_KEY: 'wrong-secret-value' });
    expect(run.stdout).toContain('::add-mask::wrong-secret-value');
    expect((run.stdout + run.stderr).split('wrong-secret-value')).toHaveLength(2);
  });
});

describe.skipIf(lacks('aws'))('interop with the AWS CLI', () => {
  // Asynchronous: s3rver runs in this process and must keep answering.
  const aws = async (args: string[], cwd: string): Promise<void> => {
    const run = await spawnCollect(AWS, ['--endpoint-url', server.endpoint, ...args], {
      cwd,
      env: { ...process.env, ...server.env, AWS_CA_BUNDLE: '' },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  };

  it.skipIf(lacks('sha256sum'))('pairs that post-build uploaded download with `aws s3 cp --recursive` and pass `sha256sum -c`', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', inputs('to-cli'), ws, server.env)).code).toBe(0);
    await aws(['s3', 'cp', '--recursive', '--only-show-errors', 's3://wheels/to-cli/', 'got/'], ws);
    const check = sha256sumCheckSidecars(join(ws, 'got'), await readdir(join(ws, 'got')));
    expect(check.match(/: OK$/gm)).toHaveLength(3);
  });

  it.skipIf(lacks('sha256sum'))('pairs uploaded with `aws s3 cp` (sidecars made by sha256sum) are collected and verified', async () => {
    const ws = await workspace();
    await mkdir(join(ws, 'by-hand'));
    for (const wheel of WHEELS) {
      await copyFile(join(SAMPLES, wheel), join(ws, 'by-hand', wheel));
      sha256sumSidecar(join(ws, 'by-hand'), wheel);
    }
    await aws(['s3', 'cp', '--recursive', '--only-show-errors', 'by-hand/', 's3://wheels/from-cli/'], ws);
    const run = await runAction('collect', inputs('from-cli'), ws, server.env);
    expect(run.errors).toEqual([]);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });
});
