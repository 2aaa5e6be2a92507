/**
 * `s3://bucket/prefix`: AWS S3 and anything that speaks its API (R2, MinIO,
 * GCS interop, B2). Credentials come from the SDK's standard chain.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { LimitError, LimitStream, MAX_LISTING_ENTRIES, MAX_LISTING_PAGE_BYTES, formatCap } from '../core/bounds.js';
import { ContainerError, InputError, isNetworkFailure, NotFoundError, TransferError, UnreachableError, WheelGuardError } from '../core/errors.js';
import { CountingStream } from '../core/hash.js';
import { exportsOf } from '../core/modules.js';
import { runPool } from '../core/pool.js';
import { retryAfterMs } from '../core/retry.js';
import type { Container, Entry, WriteOptions } from './container.js';
import { checkName } from './local.js';

/** Settings from the `endpoint`, `region` and `path-style` inputs. */
export interface S3Settings {
  endpoint?: string;
  region?: string;
  /** Path-style addressing; default: on when an endpoint is given. */
  pathStyle?: boolean;
  /** Milliseconds a connection may take to open, or stay silent, before it is given up (the `timeout` input). */
  idleTimeoutMs?: number;
}

/** Bodies up to this size go in one streamed PutObject, larger ones multipart. */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/**
 * Multipart part size, and parts sent at once. Each part is streamed from
 * its place in the file (writeFile), so neither bounds the memory; a body
 * that is only a stream (write) is cut into parts by @aws-sdk/lib-storage,
 * which holds QUEUE_SIZE parts and the one it fills.
 */
const PART_SIZE = 16 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** Splits `s3://bucket/a/b` into the bucket and the folder `a/b/` (empty for the bucket root). */
export function parseS3Url(url: string): { bucket: string; folder: string } {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url.trim());
  const bucket = match?.[1];
  if (!bucket || !/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(bucket)) {
    throw new InputError(`container: ${url} does not name a bucket; use s3://bucket/prefix`);
  }
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, folder: prefix === '' ? '' : `${prefix}/` };
}

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** A full-object SHA256 checksum as hex, or undefined for none or a composite (`…-N`) one. */
function checksumHex(value: string | undefined): string | undefined {
  if (!value || value.includes('-')) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}

type S3Sdk = typeof import('@aws-sdk/client-s3');

/**
 * The AWS SDK, loaded on first use (its own chunk of the bundle): a run that
 * opens no s3:// container never parses it.
 */
let sdkLoading: Promise<S3Sdk> | undefined;
const loadSdk = (): Promise<S3Sdk> => (sdkLoading ??= import('@aws-sdk/client-s3').then((module) => exportsOf(module, 'S3Client')));


export class S3Container implements Container {
  readonly resumable = true;
  /** The SDK and its client, made on first use. */
  private connecting?: Promise<{ sdk: S3Sdk; client: S3Client }>;

  constructor(
    readonly url: string,
    private readonly bucket: string,
    private readonly folder: string,
    private readonly settings: S3Settings,
  ) {
    // The SDK warns on every run under Node 20; the action runs on node24 and the CLI supports 20.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  }

  /** The SDK and a client for this container, loaded and made once. */
  private s3(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    return (this.connecting ??= loadSdk().then((sdk) => ({ sdk, client: this.makeClient(sdk) })));
  }

  private makeClient(sdk: S3Sdk): S3Client {
    const settings = this.settings;
    const region = settings.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (settings.endpoint ? 'us-east-1' : undefined);
    const client = new sdk.S3Client({
      ...(region ? { region } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.pathStyle ?? Boolean(settings.endpoint),
      followRegionRedirects: true,
      // The default (WHEN_SUPPORTED) sends streamed bodies aws-chunked with a CRC32 trailer,
      // which some S3-compatible servers store as data. We send our own sha256 instead.
      // (A user who sets AWS_REQUEST_CHECKSUM_CALCULATION gets the SDK's own reading of it.)
      ...(process.env.AWS_REQUEST_CHECKSUM_CALCULATION ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' as const }),
      ...(process.env.AWS_RESPONSE_CHECKSUM_VALIDATION ? {} : { responseChecksumValidation: 'WHEN_REQUIRED' as const }),
      // Whole transfers are retried by core/retry; keep the SDK's own retries short.
      maxAttempts: 2,
      // A server that accepts a connection and then says nothing must not hold a run for minutes.
      requestHandler: { connectionTimeout: settings.idleTimeoutMs ?? 30_000, socketTimeout: settings.idleTimeoutMs ?? 30_000 },
    });
    // The SDK reads every answer but an object's body whole before parsing it: a store that sends an
    // endless listing would fill the memory. Cut such bodies at MAX_LISTING_PAGE_BYTES, before the parser.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const response = out.response as { body?: unknown };
        const body = response.body as Readable | undefined;
        if (context.commandName !== 'GetObjectCommand' && body && typeof body.pipe === 'function') {
          const limit = new LimitStream(MAX_LISTING_PAGE_BYTES, () =>
            new LimitError(`${this.url}: the store's answer to ${context.commandName ?? 'a request'} is larger than ${formatCap(MAX_LISTING_PAGE_BYTES)}; refused`),
          );
          response.body = pipeline(body, limit, () => undefined);
        }
        return out;
      },
      { step: 'deserialize', priority: 'low', name: 'wheelGuardAnswerCap' },
    );
    return client;
  }

  private key(name: string): string {
    checkName(name);
    return this.folder + name;
  }

  /** Turns an SDK failure into one line a person can act on. */
  private explain(error: unknown, action: string, name?: string): Error {
    const where = `s3://${this.bucket}/${this.folder}${name ?? ''}`;
    const endpoint = this.settings.endpoint ?? 'AWS S3';
    const code = (error as { name?: string })?.name;
    const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const message = (error as Error)?.message ?? String(error);
    if (error instanceof WheelGuardError) return error;
    if (code === 'NoSuchBucket') {
      return new ContainerError(`bucket "${this.bucket}" not found at ${endpoint}: check the container URL, the region and the endpoint input`);
    }
    if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) return new NotFoundError(`${where} not found`);
    if (code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || status === 403) {
      return new ContainerError(
        `access denied to ${where} (${action}, ${code ?? status}): check the credentials and that their policy allows ${action} on bucket ${this.bucket}`,
      );
    }
    if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
      return new ContainerError(
        'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use aws-actions/configure-aws-credentials, or set AWS_PROFILE',
      );
    }
    if (/Region is missing/i.test(message)) {
      return new ContainerError('no AWS region: set the region input or AWS_REGION');
    }
    if (/Deserialization error|XML parse error|Unexpected end of/i.test(message)) {
      // An answer damaged on the way (HTTP bodies carry no checksum): ask again.
      return new TransferError(`${where}: ${action}: the answer arrived damaged (${message.split('\n')[0]})`, { cause: error });
    }
    if (code === 'TimeoutError' || /timed out|ETIMEDOUT/i.test(message)) {
      const seconds = (this.settings.idleTimeoutMs ?? 30_000) / 1000;
      return new UnreachableError(`${endpoint} did not answer within ${seconds} s for ${where}: check the endpoint input and the network (timeout input: ${seconds})`, { cause: error });
    }
    if (isNetworkFailure(error)) {
      return new UnreachableError(`cannot reach ${endpoint} for ${where} (${message}): check the endpoint input and the network`, { cause: error });
    }
    if (status !== undefined && (status >= 500 || status === 429)) {
      const retryAfter = retryAfterMs((error as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['retry-after']);
      return Object.assign(new TransferError(`${where}: ${action} answered ${status} ${code ?? ''}: ${message}`, { cause: error }), retryAfter ? { retryAfterMs: retryAfter } : {});
    }
    return new ContainerError(`${where}: ${action} failed: ${code ? `${code}: ` : ''}${message}`, { cause: error });
  }

  async list(prefix = ''): Promise<Entry[]> {
    const entries: Entry[] = [];
    let token: string | undefined;
    const { sdk, client } = await this.s3();
    do {
      const page = await client
        .send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.folder + prefix,
            // Only the folder's own files: s3://b/wheels/1.2 must not reach into wheels/1.2/sub/ or wheels/1.20/.
            Delimiter: '/',
            ContinuationToken: token,
          }),
        )
        .catch((error: unknown) => {
          throw this.explain(error, 's3:ListBucket');
        });
      if (entries.length + (page.Contents?.length ?? 0) > MAX_LISTING_ENTRIES) {
        throw new ContainerError(`${this.url} holds more than ${MAX_LISTING_ENTRIES} files; point the container at the folder of one release`);
      }
      for (const object of page.Contents ?? []) {
        const name = object.Key!.slice(this.folder.length);
        if (name !== '' && !name.startsWith('.')) entries.push({ name, size: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(name: string, offset = 0): Promise<Readable> {
    const { sdk, client } = await this.s3();
    const response = await client
      .send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(name), ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) }))
      .catch((error: unknown) => {
        throw this.explain(error, 's3:GetObject', name);
      });
    if (offset > 0 && response.ContentRange && !response.ContentRange.startsWith(`bytes ${offset}-`)) {
      throw new TransferError(`s3://${this.bucket}/${this.key(name)}: asked for bytes from ${offset}, got ${response.ContentRange}`);
    }
    return response.Body as Readable;
  }

  async write(name: string, body: Readable, options: WriteOptions): Promise<void> {
    const params = {
      Bucket: this.bucket,
      Key: this.key(name),
      ContentType: options.contentType ?? 'application/octet-stream',
      Metadata: { sha256: options.sha256 },
    };
    try {
      const { sdk, client } = await this.s3();
      if (options.size <= MULTIPART_THRESHOLD) {
        // One streamed PUT carrying our sha256: real S3 rejects a body that does not match it.
        await client.send(
          new sdk.PutObjectCommand({ ...params, Body: body, ContentLength: options.size, ChecksumSHA256: hexToBase64(options.sha256) }),
        );
      } else {
        const { Upload } = exportsOf(await import('@aws-sdk/lib-storage'), 'Upload');
        const upload = new Upload({ client, params: { ...params, Body: body, ContentLength: options.size }, partSize: PART_SIZE, queueSize: QUEUE_SIZE, leavePartsOnError: false });
        await upload.done();
      }
    } catch (error: unknown) {
      body.destroy();
      throw this.explain(error, 's3:PutObject', name);
    }
  }

  /**
   * A file at most MULTIPART_THRESHOLD in one streamed PUT (write); a larger
   * one in PART_SIZE parts, QUEUE_SIZE at once, each read from its range of
   * the file as it is sent: 1 GiB took 238 MB of memory and 0.4 s of copying
   * parts together through lib-storage. An upload that fails is aborted (its
   * parts deleted). A part the SDK retries finds its stream spent: it fails
   * (after the socket timeout at worst), and core/retry starts the upload over.
   */
  async writeFile(name: string, file: string, options: WriteOptions & { onProgress?: (bytes: number) => void }): Promise<void> {
    let sent = 0;
    const progress = options.onProgress;
    // Counted on the way (a 'data' listener would set the stream flowing before the SDK reads it).
    const counted = (start: number, end: number): Readable => {
      let mine = 0;
      const count = (bytes: number): void => {
        sent += bytes - mine;
        mine = bytes;
        progress?.(sent);
      };
      return pipeline(createReadStream(file, { start, end: end - 1 }), new CountingStream(count), () => undefined);
    };
    if (options.size <= MULTIPART_THRESHOLD) return this.write(name, counted(0, options.size), options);
    const Bucket = this.bucket;
    const Key = this.key(name);
    let uploadId: string | undefined;
    try {
      const { sdk, client } = await this.s3();
      const created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/octet-stream', Metadata: { sha256: options.sha256 } }));
      uploadId = created.UploadId;
      if (!uploadId) throw new TransferError(`s3://${Bucket}/${Key}: the store started a multipart upload without an upload id`);
      const parts = Math.ceil(options.size / PART_SIZE);
      const etags = new Array<string | undefined>(parts);
      await runPool(Array.from({ length: parts }, (_, i) => i), QUEUE_SIZE, async (i) => {
        const start = i * PART_SIZE;
        const end = Math.min(options.size, start + PART_SIZE);
        const part = await client.send(new sdk.UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber: i + 1, Body: counted(start, end), ContentLength: end - start }));
        etags[i] = part.ETag;
      });
      await client.send(
        new sdk.CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
      );
    } catch (error: unknown) {
      if (uploadId) {
        const { sdk, client } = await this.s3();
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => undefined);
      }
      throw this.explain(error, 's3:PutObject', name);
    }
  }

  async stat(name: string): Promise<Entry | undefined> {
    try {
      const { sdk, client } = await this.s3();
      const head = await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name), ChecksumMode: 'ENABLED' }));
      const sha256 = checksumHex(head.ChecksumSHA256);
      return { name, size: head.ContentLength ?? 0, ...(sha256 ? { sha256 } : {}) };
    } catch (error: unknown) {
      const explained = this.explain(error, 's3:GetObject', name);
      if (explained instanceof NotFoundError) return undefined;
      throw explained;
    }
  }

  async remove(name: string): Promise<void> {
    const { sdk, client } = await this.s3();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) })).catch((error: unknown) => {
      throw this.explain(error, 's3:DeleteObject', name);
    });
  }
}
