/** A directory as a container: a shared disk, a test, the demo. */
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, WheelGuardError } from '../core/errors.js';
import type { Container, Entry, WriteOptions } from './container.js';

/** Temporary files start with a dot, so listings and globs never show them. */
export function temporaryName(name: string): string {
  return `.${name}.wg-${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * A pipeline stage that writes every chunk to an open file handle.
 * (A FileHandle write stream with autoClose: false never lets the handle
 * sync or close afterwards on Node 20, so the handle is written directly.)
 */
export function sinkTo(handle: FileHandle): (source: AsyncIterable<Buffer>) => Promise<void> {
  return async (source) => {
    for await (const chunk of source) await handle.write(chunk);
  };
}

/** Refuses names that would reach outside the container. */
export function checkName(name: string): void {
  if (name === '' || name.startsWith('.') || /[\\/\0]/.test(name)) {
    throw new WheelGuardError(`"${name}" is not a plain file name; containers are flat`);
  }
}

export class LocalContainer implements Container {
  readonly resumable = true;

  constructor(
    readonly url: string,
    private readonly dir: string,
  ) {}

  async list(prefix = ''): Promise<Entry[]> {
    let dirents;
    try {
      dirents = await readdir(this.dir, { withFileTypes: true });
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`container ${this.url}: directory ${this.dir} does not exist; check the container input`);
      }
      throw error;
    }
    const entries: Entry[] = [];
    for (const dirent of dirents) {
      if (dirent.name.startsWith('.') || !dirent.name.startsWith(prefix)) continue;
      const entry = await this.stat(dirent.name);
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(name: string, offset = 0): Promise<Readable> {
    checkName(name);
    const path = join(this.dir, name);
    const handle = await open(path, 'r').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${this.url}: ${name} not found`);
      throw error;
    });
    return handle.createReadStream({ start: offset });
  }

  async write(name: string, body: Readable, _options: WriteOptions): Promise<void> {
    let temp: string | undefined;
    try {
      checkName(name);
      await mkdir(this.dir, { recursive: true });
      temp = join(this.dir, temporaryName(name));
      const handle = await open(temp, 'wx');
      try {
        await pipeline(body, sinkTo(handle));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(this.dir, name));
    } catch (error: unknown) {
      body.destroy();
      if (temp) await rm(temp, { force: true });
      throw error;
    }
  }

  async stat(name: string): Promise<Entry | undefined> {
    checkName(name);
    try {
      const info = await stat(join(this.dir, name));
      return info.isFile() ? { name, size: info.size } : undefined;
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(name: string): Promise<void> {
    checkName(name);
    await rm(join(this.dir, name), { force: true });
  }
}
