/**
 * An sdist's check. It has no manifest: its gzip and tar streams must read
 * to their end (gzip's CRC-32 and length included) and hold
 * `<name>-<version>/PKG-INFO`.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { ContentError, messageOf } from './errors.js';
import { normalizeName, normalizeVersion } from './normalize.js';
import type { SdistName } from './wheels.js';
import { systemError } from './zip.js';

/** True when `dir` (an sdist's top directory) names this sdist's distribution and version. */
function sameSdistStem(dir: string, name: SdistName): boolean {
  const dash = dir.lastIndexOf('-');
  return dash > 0 && normalizeName(dir.slice(0, dash)) === normalizeName(name.distribution) && normalizeVersion(dir.slice(dash + 1)) === normalizeVersion(name.version);
}

/**
 * Checks an sdist: the gzip and tar streams read to their end, and
 * `<name>-<version>/PKG-INFO` is there. `source` gives the file's bytes
 * (check-task.ts: a scan hashing them on the way; by default, read here).
 */
export async function checkSdist(path: string, fileName: string, name: SdistName, source: () => AsyncIterable<Buffer> | NodeJS.ReadableStream = () => createReadStream(path)): Promise<void> {
  const tar = extract();
  let current: string | undefined;
  let pkgInfo = false;
  const walk = (async () => {
    for await (const entry of tar) {
      current = entry.header.name.replace(/^\.\//, '');
      const parts = current.split('/');
      if (parts.length === 2 && parts[1] === 'PKG-INFO' && (entry.header.type ?? 'file') === 'file' && sameSdistStem(parts[0]!, name)) pkgInfo = true;
      for await (const chunk of entry) void chunk;
    }
  })();
  try {
    await Promise.all([pipeline(source(), createGunzip(), tar), walk]);
  } catch (error: unknown) {
    if (systemError(error)) throw error;
    const where = current === undefined ? 'before its first member' : 'in this member or right after it';
    throw new ContentError(fileName, current, `the gzip or tar stream breaks ${where}: ${messageOf(error)} (cut short?)`);
  }
  if (!pkgInfo) {
    throw new ContentError(fileName, undefined, `no ${fileName.slice(0, -'.tar.gz'.length)}/PKG-INFO: an sdist carries its metadata there`);
  }
}
