/**
 * Azurite (Microsoft's Azure Blob Storage emulator, the devDependency) for
 * the bench's Azure section: its blob service in a child process on
 * 127.0.0.1 and a random port, in-memory persistence, started the way the
 * e2e suite starts it (__tests__/helpers/azurite.ts), with the same flags
 * but an extent memory limit sized to the data parked in it. A child, not
 * in this process as s3rver is: Azurite is a Node program of its own, and
 * its CPU is read from /proc around each sample (the server's, not other
 * processes' load).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Azurite's fixed development account and key (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite's version (node_modules/azurite), or undefined when it is not installed. */
export async function azuriteVersion() {
  try {
    return JSON.parse(await readFile(require.resolve('azurite/package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The launcher: Azurite's own CLI entry in this child, which exits when its stdin closes (the bench died: no Azurite left behind). */
const LAUNCHER = `
process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
process.argv = [process.argv[0], process.env.WG_AZURITE_MAIN, ...JSON.parse(process.env.WG_AZURITE_FLAGS)];
require(process.env.WG_AZURITE_MAIN);
`;

/**
 * Starts Azurite's blob service with `memoryMiB` of in-memory extent storage,
 * its working directory `dir` (removed on stop), and creates the blob
 * container `container`. Returns { origin, blobEndpoint, cpuSeconds, containerSas, stop }.
 */
export async function startAzurite({ dir, memoryMiB, container, node = process.execPath }) {
  const main = require.resolve('azurite/dist/src/blob/main.js');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const flags = [
    '--blobHost', '127.0.0.1',
    '--blobPort', '0',
    '--inMemoryPersistence',
    '--extentMemoryLimit', String(Math.ceil(memoryMiB)),
    // @azure/storage-blob sends an x-ms-version newer than Azurite knows.
    '--skipApiVersionCheck',
    '--loose',
    // No access log: writing one would be Azurite's cost in every sample.
    '--silent',
    '--disableTelemetry',
  ];
  const env = { ...process.env, WG_AZURITE_MAIN: main, WG_AZURITE_FLAGS: JSON.stringify(flags) };
  delete env.AZURITE_DB; // would switch Azurite to SQL metadata
  delete env.NODE_OPTIONS; // the bench's --openssl-legacy-provider is s3rver's need, not Azurite's
  const child = spawn(node, ['-e', LAUNCHER], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output = (output + chunk).slice(-16_384)));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output = (output + chunk).slice(-16_384)));
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (!exited) {
      child.stdin.end(); // the launcher exits on end of stdin
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  let origin;
  try {
    origin = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Azurite did not start within 30 s:\n${output}`)), 30_000);
      child.stdout.on('data', () => {
        const match = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${code ?? signal}) before listening:\n${output}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const blobEndpoint = `${origin}/${AZURITE_ACCOUNT}`;
  // The SDK only here: a --render never loads it.
  const { ContainerClient, ContainerSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters } = await import('@azure/storage-blob');
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  try {
    await new ContainerClient(`${blobEndpoint}/${container}`, credential).createIfNotExists();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    origin,
    blobEndpoint,
    /** A SAS token (no leading `?`) for the whole container, read and list among its rights, valid for `hours`. */
    containerSas(hours = 12) {
      return generateBlobSASQueryParameters(
        { containerName: container, permissions: ContainerSASPermissions.parse('racwdl'), startsOn: new Date(Date.now() - 5 * 60_000), expiresOn: new Date(Date.now() + hours * 3600_000) },
        credential,
      ).toString();
    },
    /** Azurite's CPU seconds so far (the child is Azurite itself: the launcher requires its entry), undefined off Linux. */
    async cpuSeconds() {
      try {
        const fields = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime
      } catch {
        return undefined;
      }
    },
    /** Azurite's console output so far (the tail; its access log is off). */
    output: () => output,
    stop,
  };
}
