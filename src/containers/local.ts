/** A directory as a container: a shared disk, a test, the demo. */
import { mkdir, open, opendir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_LISTING_ENTRIES, tooLarge } from '../core/bounds.js';
import { ContainerError, NotFoundError, WheelGuardError } from '../core/errors.js';
import { irregular, lstatOrNothing, lstatOrNothingSync, openRegular, readSmallSync, renameOver, sinkTo, temporaryName } from '../core/files.js';
import { quote } from '../core/untrusted.js';
import type { Container, Entry, WriteOptions } from './container.js';

/** Refuses names that would reach outside the container. */
export function checkName(name: string): void {
  if (name === '' || name.startsWith('.') || /[\\/\0]/.test(name)) {
    throw new WheelGuardError(`${quote(name)} is not a plain file name; containers are flat`);
  }
}

/**
 * Only regular files are entries. A symbolic link, a FIFO or a device is
 * listed as refused (whoever can write to a shared directory could point a
 * sidecar at ~/.git-credentials, or make a reader wait forever), and read()
 * opens without following links and checks what it opened.
 */
export class LocalContainer implements Container {
  readonly resumable = true;

  constructor(
    readonly url: string,
    private readonly dir: string,
  ) {}

  async list(prefix = ''): Promise<Entry[]> {
    let directory;
    try {
      directory = await opendir(this.dir, { bufferSize: 1024 });
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(`container ${this.url}: directory ${this.dir} does not exist; check the container input`);
      }
      throw error;
    }
    const entries: Entry[] = [];
    for await (const dirent of directory) {
      if (dirent.name.startsWith('.') || !dirent.name.startsWith(prefix) || dirent.isDirectory()) continue;
      if (entries.length >= MAX_LISTING_ENTRIES) {
        throw new ContainerError(`container ${this.url} holds more than ${MAX_LISTING_ENTRIES} files; point it at the folder of one release`);
      }
      // In this thread (nothing else runs while a run lists): trips through the thread pool were most of a listing's time.
      const info = lstatOrNothingSync(join(this.dir, dirent.name));
      if (!info || info.isDirectory()) continue;
      const why = irregular(info);
      entries.push({ name: dirent.name, size: why ? 0 : info.size, ...(why ? { refused: why } : {}) });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(name: string, offset = 0): Promise<Readable> {
    checkName(name);
    const handle = await openRegular(join(this.dir, name), name).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${this.url}: ${name} not found`);
      throw error;
    });
    return handle.createReadStream({ start: offset });
  }

  /** Read in this thread, without a stream: a sidecar is a few dozen bytes. */
  async readSmall(name: string, limit: number): Promise<Buffer> {
    checkName(name);
    try {
      return readSmallSync(join(this.dir, name), name, limit, () => tooLarge(name, limit));
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${this.url}: ${name} not found`);
      throw error;
    }
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
      // rename replaces a symbolic link of that name itself, never what it points to.
      await renameOver(temp, join(this.dir, name), name);
    } catch (error: unknown) {
      body.destroy();
      if (temp) await rm(temp, { force: true });
      throw error;
    }
  }

  async stat(name: string): Promise<Entry | undefined> {
    checkName(name);
    const info = await lstatOrNothing(join(this.dir, name));
    return info?.isFile() ? { name, size: info.size } : undefined;
  }

  async remove(name: string): Promise<void> {
    checkName(name);
    await rm(join(this.dir, name), { force: true });
  }
}
