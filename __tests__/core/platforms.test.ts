/**
 * What differs by platform, tested here on Linux by taking the other
 * platform's part: openRegular without O_NOFOLLOW (Windows) looks first and
 * checks what it opened; a rename Windows refuses while another process holds
 * a file is tried again; annotation paths use `/`; a build tag differing only
 * in case is one file on macOS and Windows.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { win32 } from 'node:path';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotationPath } from '../../src/core/action.js';
import { WheelGuardError } from '../../src/core/errors.js';
import { NotRegularFileError, openRegular, openRegularSync, renameOver } from '../../src/core/files.js';
import { sameDistribution } from '../../src/core/listing.js';
import { closeSync } from 'node:fs';
import { useTempDirs } from '../helpers/tmp.js';
import { NOT_POSIX } from '../helpers/tools.js';

const tempDir = useTempDirs();

describe('openRegular where the platform has no O_NOFOLLOW (lookFirst, as on Windows)', () => {
  // Making a symbolic link needs a privilege on Windows (Developer Mode or an elevated shell).
  it.skipIf(NOT_POSIX)('refuses a symbolic link by looking first, though the open itself would follow it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'target.whl'), 'bytes');
    await symlink(join(dir, 'target.whl'), join(dir, 'link.whl'));
    await expect(openRegular(join(dir, 'link.whl'), 'link.whl', true)).rejects.toThrow(NotRegularFileError);
    await expect(openRegular(join(dir, 'link.whl'), 'link.whl', true)).rejects.toThrow('link.whl is a symbolic link, not a regular file; only regular files are read');
    expect(() => openRegularSync(join(dir, 'link.whl'), 'link.whl', true)).toThrow('link.whl is a symbolic link, not a regular file');
  });

  it('opens a regular file, and says ENOENT for a missing one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.whl'), 'bytes');
    const handle = await openRegular(join(dir, 'a.whl'), 'a.whl', true);
    expect((await handle.readFile()).toString()).toBe('bytes');
    await handle.close();
    closeSync(openRegularSync(join(dir, 'a.whl'), 'a.whl', true));
    await expect(openRegular(join(dir, 'gone.whl'), 'gone.whl', true)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a directory', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'd.whl'));
    await expect(openRegular(join(dir, 'd.whl'), 'd.whl', true)).rejects.toThrow(NotRegularFileError);
  });
});

describe('renameOver', () => {
  const held = (code: string) => Object.assign(new Error(`${code}: operation not permitted, rename`), { code });

  it('on Windows, tries again while another process holds the file, then succeeds', async () => {
    let calls = 0;
    const waits: number[] = [];
    await renameOver('a', 'b', 'x.whl', {
      platform: 'win32',
      rename: async () => {
        if (++calls < 4) throw held(calls === 2 ? 'EBUSY' : 'EPERM');
      },
      sleep: async (ms) => void waits.push(ms),
    });
    expect(calls).toBe(4);
    expect(waits).toEqual([50, 100, 200]);
  });

  it('on Windows, gives up after its budget with one line naming the file and what to close', async () => {
    const error = await renameOver('a', 'b', 'x.whl', { platform: 'win32', rename: async () => Promise.reject(held('EACCES')), sleep: async () => undefined, budgetMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WheelGuardError);
    expect((error as Error).message).toBe('x.whl: cannot be put in place: another process holds it or its temporary copy (EACCES for 4 s); close what has it open (an editor, pip, an antivirus scan) and run again');
  });

  it('elsewhere, or for another error, the rename error at once', async () => {
    let calls = 0;
    const count = async () => {
      calls++;
      throw held('EPERM');
    };
    await expect(renameOver('a', 'b', 'x.whl', { platform: 'linux', rename: count })).rejects.toMatchObject({ code: 'EPERM' });
    await expect(renameOver('a', 'b', 'x.whl', { platform: 'win32', rename: async () => Promise.reject(held('ENOENT')) })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toBe(1);
  });

  it('really renames', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.tmp'), 'new');
    await writeFile(join(dir, 'x.whl'), 'old');
    await renameOver(join(dir, '.tmp'), join(dir, 'x.whl'), 'x.whl');
    expect(await readFile(join(dir, 'x.whl'), 'utf8')).toBe('new');
  });
});

describe('annotation paths', () => {
  it('relative to the workspace with /, also from a Windows path', () => {
    expect(annotationPath('C:\\a\\ws\\wheelhouse\\x.whl', 'C:\\a\\ws', win32)).toBe('wheelhouse/x.whl');
    expect(annotationPath('/w/dist/x.whl', '/w')).toBe('dist/x.whl');
  });
});

describe('case-insensitive file systems', () => {
  it('two wheels whose build tags differ only in case are one file on macOS and Windows: refused together', () => {
    const a = 'pkg-1.0-1a-py3-none-any.whl';
    const b = 'pkg-1.0-1A-py3-none-any.whl';
    const { unique, problems } = sameDistribution([a, b, 'pkg-1.0-2a-py3-none-any.whl'], 'box');
    expect(unique).toEqual(['pkg-1.0-2a-py3-none-any.whl']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain(a);
    expect(problems[0]!.message).toContain(b);
  });
});

describe('isInside on a case-insensitive file system', () => {
  // Taking Linux's part needs a POSIX path.relative: Windows' own ignores case whatever `platform` says.
  it.skipIf(NOT_POSIX)('on macOS, DIST/SHA256SUMS is inside dist; elsewhere on Linux it is not', async () => {
    const { isInside } = await import('../../src/core/inputs.js');
    expect(isInside('/w/DIST/SHA256SUMS', '/w/dist', 'darwin')).toBe(true);
    expect(isInside('/w/Dist', '/w/dist', 'darwin')).toBe(true);
    expect(isInside('/w/DIST/SHA256SUMS', '/w/dist', 'linux')).toBe(false);
    expect(isInside('/w/distribution/x', '/w/dist', 'darwin')).toBe(false);
  });
});

describe('samePath: one file under two spellings where case is ignored', () => {
  it.skipIf(NOT_POSIX)('SHA256SUMS and sha256sums are one file on macOS and Windows, two on Linux', async () => {
    const { samePath } = await import('../../src/core/inputs.js');
    expect(samePath('/w/SHA256SUMS', '/w/sha256sums', 'darwin')).toBe(true);
    expect(samePath('/w/SHA256SUMS', '/w/sha256sums', 'win32')).toBe(true);
    expect(samePath('/w/SHA256SUMS', '/w/sha256sums', 'linux')).toBe(false);
    expect(samePath('/w/SHA256SUMS', '/w/SHA256SUMS', 'linux')).toBe(true);
    expect(samePath('/w/SHA256SUMS', '/w/SHA256SUMS.1', 'darwin')).toBe(false);
  });

  it('collect refuses a requirements file that is the sha256sums file under another case, on this file system', async () => {
    const { getCollectInputs } = await import('../../src/collect/inputs.js');
    const { samePath } = await import('../../src/core/inputs.js');
    const cwd = process.cwd();
    const get = (name: string): string => ({ container: 'parked', sha256sums: 'SUMS.txt', requirements: 'sums.txt' })[name] ?? '';
    if (samePath(resolve(cwd, 'SUMS.txt'), resolve(cwd, 'sums.txt'))) {
      expect(() => getCollectInputs(get, cwd)).toThrow(/requirements: .*sums\.txt is also the sha256sums file of this run/);
    } else {
      expect(getCollectInputs(get, cwd).requirements?.given).toBe('sums.txt');
    }
  });
});

describe('what path already holds, by name', () => {
  it('found without case on macOS and Windows (collect snapshot keys)', async () => {
    const { nameKey } = await import('../../src/core/files.js');
    expect(nameKey('Foo-1.0-py3-none-any.whl', 'darwin')).toBe(nameKey('foo-1.0-py3-none-any.whl', 'darwin'));
    expect(nameKey('Foo-1.0-py3-none-any.whl', 'win32')).toBe(nameKey('foo-1.0-py3-none-any.whl', 'win32'));
    expect(nameKey('Foo-1.0-py3-none-any.whl', 'linux')).not.toBe(nameKey('foo-1.0-py3-none-any.whl', 'linux'));
  });
});
