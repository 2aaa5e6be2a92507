/**
 * The floor of a Node download from S3, for the bench (section 2): every
 * wheel under s3://BUCKET/PREFIX/ fetched with the AWS SDK's GetObject,
 * hashed with sha256 and written to DEST, 4 at a time (wheel-guard's
 * default), with the client settings wheel-guard uses. Nothing of
 * wheel-guard: no sidecar, no check, no temporary file, no retry. What it
 * costs is what any Node program pays to move and hash these bytes.
 *
 * usage: node scripts/bench/bare-s3.mjs ENDPOINT BUCKET PREFIX DEST
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

const [endpoint, bucket, prefix, dest] = process.argv.slice(2);
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const keys = [];
let token;
do {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
  for (const object of page.Contents ?? []) if (object.Key.endsWith('.whl')) keys.push(object.Key);
  token = page.NextContinuationToken;
} while (token);
let next = 0;
async function worker() {
  while (next < keys.length) {
    const key = keys[next++];
    const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const hash = createHash('sha256');
    await pipeline(
      Body,
      async function* (source) {
        for await (const chunk of source) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(join(dest, key.slice(prefix.length + 1))),
    );
    hash.digest('hex');
  }
}
await Promise.all(Array.from({ length: 4 }, worker));
