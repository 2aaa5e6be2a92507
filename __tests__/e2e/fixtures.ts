/**
 * The containers the end-to-end suite runs against, each with the few
 * operations a test needs to inspect or damage what is stored: a local
 * directory, s3rver (a real S3-compatible server on 127.0.0.1) and Azurite
 * (Microsoft's Azure Blob Storage emulator, on 127.0.0.1).
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
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { type Azurite, AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../helpers/azurite.js';

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

/** Environment for the bundles to reach Azurite with its account key. */
export const azuriteEnv = (): Record<string, string> => ({ AZURE_STORAGE_KEY: AZURITE_KEY });

/** A client for one blob container of Azurite (created if absent), for tests to inspect and damage what is stored. */
export async function azuriteContainer(azurite: Azurite, name: string): Promise<ContainerClient> {
  const client = new ContainerClient(`${azurite.blobEndpoint}/${name}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  await client.createIfNotExists();
  return client;
}

export function azureFixture(): ContainerFixture & { azurite(): Azurite } {
  let azurite: Azurite | undefined;
  let client: ContainerClient | undefined;
  // Each workspace gets its own folder, with a dot in it: a folder, not a string prefix.
  const prefix = (ws: string): string => `release/${basename(ws)}/1.2`;
  const blob = (ws: string, name: string) => client!.getBlockBlobClient(`${prefix(ws)}/${name}`);
  return {
    kind: 'azure (Azurite)',
    azurite: () => azurite!,
    inputs: (ws) => ({ container: `azure://${AZURITE_ACCOUNT}/wheels/${prefix(ws)}`, endpoint: azurite!.origin }),
    env: azuriteEnv,
    async put(ws, name, bytes) {
      const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      await blob(ws, name).upload(body, body.length);
    },
    get: async (ws, name) => blob(ws, name).downloadToBuffer(),
    async remove(ws, name) {
      await blob(ws, name).delete();
    },
    async names(ws) {
      const names: string[] = [];
      for await (const item of client!.listBlobsFlat({ prefix: `${prefix(ws)}/` })) names.push(item.name.slice(prefix(ws).length + 1));
      return names.sort();
    },
    async stamp(ws, name) {
      const properties = await blob(ws, name).getProperties();
      return `${properties.lastModified?.toISOString()}:${properties.etag}`;
    },
    // Azurite's Last-Modified has one-second resolution; its ETag changes with every write.
    stampResolutionMs: 0,
    async setup() {
      azurite = await startAzurite();
      client = await azuriteContainer(azurite, 'wheels');
    },
    async teardown() {
      await azurite?.stop();
    },
  };
}

/** Every container kind the foundation's suite runs against. */
export const FIXTURES: ContainerFixture[] = [localFixture, s3Fixture(), azureFixture()];
