/**
 * The containers the end-to-end suite runs against, each with the few
 * operations a test needs to inspect or damage what is stored: a local
 * directory, and s3rver (a real S3-compatible server on 127.0.0.1).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type S3Server, startS3rver } from '../helpers/s3rver.js';

export interface ContainerFixture {
  kind: string;
  /** Inputs that name the container of workspace `ws`. */
  inputs(ws: string): Record<string, string>;
  /** Environment the bundle needs (credentials). */
  env(): Record<string, string>;
  put(ws: string, name: string, bytes: Buffer | string): Promise<void>;
  get(ws: string, name: string): Promise<Buffer>;
  remove(ws: string, name: string): Promise<void>;
  names(ws: string): Promise<string[]>;
  /** Something that changes whenever the object is rewritten. */
  stamp(ws: string, name: string): Promise<string>;
  /** Milliseconds a rewrite needs to show in `stamp`. */
  stampResolutionMs: number;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

export const localFixture: ContainerFixture = {
  kind: 'local directory',
  inputs: () => ({ container: 'parked' }),
  env: () => ({}),
  async put(ws, name, bytes) {
    await mkdir(join(ws, 'parked'), { recursive: true });
    await writeFile(join(ws, 'parked', name), bytes);
  },
  get: (ws, name) => readFile(join(ws, 'parked', name)),
  remove: (ws, name) => rm(join(ws, 'parked', name)),
  names: async (ws) => (await readdir(join(ws, 'parked'))).sort(),
  async stamp(ws, name) {
    const info = await stat(join(ws, 'parked', name));
    return `${info.ino}:${info.mtimeMs}`;
  },
  stampResolutionMs: 0,
  setup: async () => undefined,
  teardown: async () => undefined,
};

/** An S3 client for tests, configured as wheel-guard configures its own. */
export function testS3Client(server: S3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function s3Fixture(): ContainerFixture & { server(): S3Server } {
  let server: S3Server | undefined;
  let client: S3Client | undefined;
  const Bucket = 'wheels';
  // Each workspace gets its own prefix, with a dot in it: a folder, not a string prefix.
  const prefix = (ws: string): string => `release/${basename(ws)}/1.2`;
  const s3 = (): S3Client => client!;
  return {
    kind: 's3 (s3rver)',
    server: () => server!,
    inputs: (ws) => ({ container: `s3://${Bucket}/${prefix(ws)}`, endpoint: server!.endpoint }),
    env: () => server!.env,
    async put(ws, name, bytes) {
      const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      await s3().send(new PutObjectCommand({ Bucket, Key: `${prefix(ws)}/${name}`, Body: body }));
    },
    async get(ws, name) {
      const response = await s3().send(new GetObjectCommand({ Bucket, Key: `${prefix(ws)}/${name}` }));
      return Buffer.from(await response.Body!.transformToByteArray());
    },
    async remove(ws, name) {
      await s3().send(new DeleteObjectCommand({ Bucket, Key: `${prefix(ws)}/${name}` }));
    },
    async names(ws) {
      const page = await s3().send(new ListObjectsV2Command({ Bucket, Prefix: `${prefix(ws)}/` }));
      return (page.Contents ?? []).map((object) => object.Key!.slice(prefix(ws).length + 1)).sort();
    },
    async stamp(ws, name) {
      const head = await s3().send(new HeadObjectCommand({ Bucket, Key: `${prefix(ws)}/${name}` }));
      return `${head.LastModified?.toISOString()}:${head.ETag}`;
    },
    // s3rver's Last-Modified has one-second resolution.
    stampResolutionMs: 1100,
    async setup() {
      server = await startS3rver([Bucket]);
      client = testS3Client(server);
    },
    async teardown() {
      client?.destroy();
      await server?.stop();
    },
  };
}

/** Every container kind the foundation's suite runs against. */
export const FIXTURES: ContainerFixture[] = [localFixture, s3Fixture()];
