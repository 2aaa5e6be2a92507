import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyDirectory } from '../../src/cli/verify.js';
import { FileStatus, type FileResult, type Reporter } from '../../src/core/report.js';
import { formatSidecar, writeSha256Sums } from '../../src/core/sidecar.js';
import { SAMPLE_EXAMPLE_WHEEL, SAMPLE_SDIST, SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, sha256sum, useTempDirs } from '../helpers/tmp.js';
import { lacks } from '../helpers/tools.js';

const tempDir = useTempDirs();

const WHEELS = [SAMPLE_EXAMPLE_WHEEL, SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL];
const NAMES = WHEELS.map((w) => basename(w)).sort();

/** A reporter that records what it is told. */
function recorder(): Reporter & { done: FileResult[]; warnings: string[] } {
  const done: FileResult[] = [];
  const warnings: string[] = [];
  return {
    done,
    warnings,
    info: () => undefined,
    warning: (message) => void warnings.push(message),
    progress: () => undefined,
    fileDone: (result) => void done.push(result),
  };
}

const shaOf = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

/** A dist dir holding the sample wheels, each with a sidecar made by sha256sum itself. */
async function distWithSidecars(): Promise<string> {
  const dir = await tempDir('wg-dist');
  for (const wheel of WHEELS) {
    const name = basename(wheel);
    await copyFile(wheel, join(dir, name));
    const { stdout, status } = sha256sum([name], dir);
    expect(status).toBe(0);
    await writeFile(join(dir, `${name}.sha256`), stdout);
  }
  return dir;
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = bytes[at]! ^ 0x80;
  await writeFile(file, bytes);
}

describe('verifyDirectory with sidecars', () => {
  it.skipIf(lacks('sha256sum'))('verifies every wheel against its sidecar', async () => {
    const dir = await distWithSidecars();
    const reporter = recorder();
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 2 }, reporter);
    expect(result.problems).toEqual([]);
    expect(result.files.map((f) => f.name)).toEqual(NAMES);
    for (const file of result.files) {
      expect(file.status).toBe(FileStatus.Verified);
      expect(file.sha256).toBe(await shaOf(join(dir, file.name)));
      expect(file.size).toBe((await readFile(join(dir, file.name))).length);
    }
    expect(reporter.done.map((f) => f.name).sort()).toEqual(NAMES);
  });

  it.skipIf(lacks('sha256sum'))('reports a wheel with one flipped byte, naming it, and still verifies the others', async () => {
    const dir = await distWithSidecars();
    const bad = basename(SAMPLE_WHEEL);
    const expected = await shaOf(join(dir, bad));
    await flipByte(join(dir, bad), 20_000);
    const actual = await shaOf(join(dir, bad));
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 4 }, recorder());
    expect(result.problems).toHaveLength(1);
    const [problem] = result.problems;
    expect(problem!.file).toBe(join(dir, bad));
    expect(problem!.message.startsWith(`${bad}: `)).toBe(true);
    expect(problem!.message).toContain('sha256 mismatch');
    expect(problem!.message).toContain(expected);
    expect(problem!.message).toContain(actual);
    const byName = new Map(result.files.map((f) => [f.name, f.status]));
    expect(byName.get(bad)).toBe(FileStatus.Failed);
    for (const name of NAMES.filter((n) => n !== bad)) expect(byName.get(name)).toBe(FileStatus.Verified);
  });

  it.skipIf(lacks('sha256sum'))('reports a wheel without a sidecar, and a sidecar without its wheel', async () => {
    const dir = await distWithSidecars();
    const lonely = basename(SAMPLE_SMALL_WHEEL);
    await writeFile(join(dir, 'ghost-1.0-py3-none-any.whl.sha256'), formatSidecar('0'.repeat(64), 'ghost-1.0-py3-none-any.whl'));
    await rm(join(dir, `${lonely}.sha256`));
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 1 }, recorder());
    expect(result.problems).toEqual([
      { file: join(dir, lonely), message: `${lonely}: no sidecar ${lonely}.sha256 beside it` },
      {
        file: join(dir, 'ghost-1.0-py3-none-any.whl.sha256'),
        message: 'ghost-1.0-py3-none-any.whl: ghost-1.0-py3-none-any.whl.sha256 is here but the wheel is not',
      },
    ]);
    // The lonely wheel is not checked at all; the paired ones are verified.
    expect(result.files.map((f) => f.name)).toEqual(NAMES.filter((n) => n !== lonely));
    expect(result.files.every((f) => f.status === FileStatus.Verified)).toBe(true);
  });

  it.skipIf(lacks('sha256sum'))('reports a malformed sidecar as a problem about that wheel', async () => {
    const dir = await distWithSidecars();
    const name = basename(SAMPLE_EXAMPLE_WHEEL);
    await writeFile(join(dir, `${name}.sha256`), `${(await shaOf(join(dir, name))).slice(1)}  ${name}\n`);
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 2 }, recorder());
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.message).toContain(`${name}.sha256`);
    expect(result.problems[0]!.message).toContain('63 hex digits');
    expect(result.files.find((f) => f.name === name)!.status).toBe(FileStatus.Failed);
  });

  it.skipIf(lacks('sha256sum'))('only checks files matching the patterns', async () => {
    const dir = await distWithSidecars();
    await copyFile(SAMPLE_SDIST, join(dir, basename(SAMPLE_SDIST)));
    const onlyWheels = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 2 }, recorder());
    expect(onlyWheels.problems).toEqual([]);
    const withSdists = await verifyDirectory({ dir, patterns: ['*.whl', '*.tar.gz'], concurrency: 2 }, recorder());
    expect(withSdists.problems.map((p) => p.message)).toEqual([`${basename(SAMPLE_SDIST)}: no sidecar ${basename(SAMPLE_SDIST)}.sha256 beside it`]);
  });

  it('reports an empty directory as a problem', async () => {
    const dir = await tempDir('wg-dist');
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 2 }, recorder());
    expect(result.files).toEqual([]);
    expect(result.problems).toEqual([{ message: `no files matching *.whl in ${dir}` }]);
  });

  it.skipIf(lacks('sha256sum'))('writes nothing into the directory', async () => {
    const dir = await distWithSidecars();
    const before = (await readdir(dir)).sort();
    await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 2 }, recorder());
    expect((await readdir(dir)).sort()).toEqual(before);
  });
});

describe('verifyDirectory with a SHA256SUMS file', () => {
  async function distWithSums(): Promise<{ dir: string; sums: string }> {
    const root = await tempDir('wg-root');
    const dir = join(root, 'dist');
    await mkdir(dir);
    const entries = [];
    for (const wheel of WHEELS) {
      await copyFile(wheel, join(dir, basename(wheel)));
      entries.push({ name: basename(wheel), sha256: await shaOf(wheel) });
    }
    const sums = await writeSha256Sums(join(root, 'SHA256SUMS'), entries);
    return { dir, sums };
  }

  it('verifies every listed wheel with no sidecars present', async () => {
    const { dir, sums } = await distWithSums();
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 3, sha256sums: sums }, recorder());
    expect(result.problems).toEqual([]);
    // (Order here follows the container listing, not code-unit order: compare as sets.)
    expect(result.files.map((f) => [f.name, f.status]).sort()).toEqual(NAMES.map((n) => [n, FileStatus.Verified]));
  });

  it.skipIf(lacks('sha256sum'))('accepts a file written by sha256sum itself', async () => {
    const { dir } = await distWithSums();
    const sums = join(dir, '..', 'by-sha256sum.txt');
    await writeFile(sums, sha256sum(NAMES, dir).stdout);
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 3, sha256sums: sums }, recorder());
    expect(result.problems).toEqual([]);
    expect(result.files).toHaveLength(3);
  });

  it('reports a flipped byte, naming that wheel', async () => {
    const { dir, sums } = await distWithSums();
    const bad = basename(SAMPLE_SMALL_WHEEL);
    await flipByte(join(dir, bad), 700);
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 3, sha256sums: sums }, recorder());
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.file).toBe(join(dir, bad));
    expect(result.problems[0]!.message).toMatch(new RegExp(`^${bad.replace(/[.]/g, '\\.')}: sha256 mismatch`));
    expect(result.files.filter((f) => f.status === FileStatus.Failed).map((f) => f.name)).toEqual([bad]);
  });

  it('reports a wheel not listed and a listed file that is missing', async () => {
    const { dir, sums } = await distWithSums();
    const missing = basename(SAMPLE_WHEEL);
    await rm(join(dir, missing));
    const extra = 'extra-1.0-py3-none-any.whl';
    await writeFile(join(dir, extra), 'extra');
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 3, sha256sums: sums }, recorder());
    expect(result.problems).toEqual([
      { file: join(dir, extra), message: `${extra}: not listed in ${sums}` },
      { message: `${missing}: listed in ${sums} but not in ${dir}` },
    ]);
    expect(result.files.map((f) => f.name).sort()).toEqual(NAMES.filter((n) => n !== missing));
    expect(result.files.every((f) => f.status === FileStatus.Verified)).toBe(true);
  });

  it('a sidecar beside a listed wheel is optional but must agree: one that disagrees refuses the wheel, naming both', async () => {
    const { dir, sums } = await distWithSums();
    const [agrees, disagrees] = [basename(SAMPLE_WHEEL), basename(SAMPLE_SMALL_WHEEL)];
    await writeFile(join(dir, `${agrees}.sha256`), formatSidecar(await shaOf(join(dir, agrees)), agrees));
    await writeFile(join(dir, `${disagrees}.sha256`), formatSidecar('f'.repeat(64), disagrees));
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 3, sha256sums: sums }, recorder());
    expect(result.problems).toEqual([
      {
        file: join(dir, disagrees),
        message: `${disagrees}: its digests disagree: its sidecar ${disagrees}.sha256 says sha256 ${'f'.repeat(64)}, ${sums} says ${await shaOf(join(dir, disagrees))}; refused`,
      },
    ]);
    expect(result.files.filter((f) => f.status === FileStatus.Verified).map((f) => f.name).sort()).toEqual(NAMES.filter((n) => n !== disagrees));
  });

  it('files the list names that the patterns do not select are not missing', async () => {
    const { dir, sums } = await distWithSums();
    await writeFile(sums, `${await readFile(sums, 'utf8')}${'a'.repeat(64)}  wheel-guard-sample-1.0.0.tar.gz\n`);
    const result = await verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 3, sha256sums: sums }, recorder());
    expect(result.problems).toEqual([]);
    expect(result.files).toHaveLength(3);
  });

  it('rejects an empty sums file as an input error', async () => {
    const { dir, sums } = await distWithSums();
    await writeFile(sums, '');
    await expect(verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 1, sha256sums: sums }, recorder())).rejects.toThrow(`digests: ${sums} lists no file`);
  });

  it('rejects a malformed sums file, naming it', async () => {
    const { dir, sums } = await distWithSums();
    await writeFile(sums, `${'a'.repeat(64)}\n`);
    await expect(verifyDirectory({ dir, patterns: ['*.whl'], concurrency: 1, sha256sums: sums }, recorder())).rejects.toThrow(
      `${sums}: entry 1 names no file`,
    );
  });
});
