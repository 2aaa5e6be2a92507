/**
 * The floor of a Node download from Azure Blob Storage, for the bench's
 * Azure section: every wheel under CONTAINER/PREFIX/ fetched with
 * @azure/storage-blob's download, hashed with sha256 and written to DEST,
 * 4 at a time (wheel-guard's default), with the client settings wheel-guard
 * uses (shared-key signing, 2 tries, no retry inside a download). Nothing of
 * wheel-guard: no sidecar, no check, no temporary file, no resume. What it
 * costs is what any Node program pays to move and hash these bytes. The
 * bare-s3.mjs of Azure.
 *
 * usage: AZURE_STORAGE_KEY=… node scripts/bench/bare-azure.mjs ACCOUNT_URL CONTAINER PREFIX DEST
 * (ACCOUNT_URL path-style, as Azurite serves it: http://127.0.0.1:PORT/devstoreaccount1)
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BlobServiceClient, StorageSharedKeyCredential, newPipeline } from '@azure/storage-blob';

const [accountUrl, containerName, prefix, dest] = process.argv.slice(2);
const account = new URL(accountUrl).pathname.split('/').filter(Boolean).pop();
const credential = new StorageSharedKeyCredential(account, process.env.AZURE_STORAGE_KEY);
const service = new BlobServiceClient(accountUrl, newPipeline(credential, { retryOptions: { maxTries: 2 } }));
const container = service.getContainerClient(containerName);
const names = [];
for await (const page of container.listBlobsFlat({ prefix: `${prefix}/` }).byPage({ maxPageSize: 5000 })) {
  for (const blob of page.segment.blobItems) if (blob.name.endsWith('.whl')) names.push(blob.name);
}
let next = 0;
async function worker() {
  while (next < names.length) {
    const name = names[next++];
    const response = await container.getBlobClient(name).download(0, undefined, { maxRetryRequests: 0 });
    const hash = createHash('sha256');
    await pipeline(
      response.readableStreamBody,
      async function* (source) {
        for await (const chunk of source) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(join(dest, name.slice(prefix.length + 1))),
    );
    hash.digest('hex');
  }
}
await Promise.all(Array.from({ length: 4 }, worker));
