/**
 * A real Azure Blob Storage emulator for tests: Azurite's blob service in a
 * child process on 127.0.0.1, a random port, in-memory persistence, its
 * working directory a fresh temporary directory removed on stop.
 *
 * The child is `node -e <launcher>`: the launcher hands Azurite's own CLI
 * entry (azurite/dist/src/blob/main.js) the flags below and exits when its
 * stdin closes, so a test process that dies without calling stop() does not
 * leave an Azurite behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's fixed development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1` (path-style, as Azurite serves it; https:// with TLS). */
  blobEndpoint: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Azurite's own console output so far (its access log is off: --silent). */
  output(): string;
  stop(): Promise<void>;
}

const FLAGS = [
  '--blobHost', '127.0.0.1',
  '--blobPort', '0',
  '--inMemoryPersistence',
  '--extentMemoryLimit', '512',
  // @azure/storage-blob sends an x-ms-version newer than Azurite knows.
  '--skipApiVersionCheck',
  '--loose',
  '--silent',
  '--disableTelemetry',
];

const LAUNCHER = `
process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
process.argv = [process.argv[0], process.env.WG_AZURITE_MAIN, ...JSON.parse(process.env.WG_AZURITE_FLAGS)];
require(process.env.WG_AZURITE_MAIN);
`;

/** HTTPS with this certificate and key (PEM files), and bearer tokens checked as Azurite's `--oauth basic` does (issuer, audience, lifetime; not the signature). */
export interface AzuriteTls {
  cert: string;
  key: string;
}

export async function startAzurite(tls?: AzuriteTls): Promise<Azurite> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const directory = await mkdtemp(join(tmpdir(), 'wg-azurite-'));
  const flags = tls ? [...FLAGS, '--cert', tls.cert, '--key', tls.key, '--oauth', 'basic'] : FLAGS;
  const env: NodeJS.ProcessEnv = { ...process.env, WG_AZURITE_MAIN: main, WG_AZURITE_FLAGS: JSON.stringify(flags) };
  delete env.AZURITE_DB; // would switch Azurite to SQL metadata
  delete env.NODE_OPTIONS;
  const child: ChildProcess = spawn(process.execPath, ['-e', LAUNCHER], { cwd: directory, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let origin: string;
  try {
    origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Azurite did not start within 20 s:\n${output}`)), 20_000);
      const onData = () => {
        const match = /successfully listens on (https?:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
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
    child.kill('SIGKILL');
    await exited;
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    origin,
    blobEndpoint: `${origin}/${AZURITE_ACCOUNT}`,
    output: () => output,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin!.end(); // the launcher exits on end of stdin
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
