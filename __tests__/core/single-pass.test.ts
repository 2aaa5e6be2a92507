/**
 * The single pass (src/core/zip-scan.ts, run by check-task.ts) against the
 * reference check (zip.ts's positioned reads, the check as it was before
 * the single pass): on the sample wheels, on wheels with large stored and
 * deflated members and data descriptors, on every crafted zip of
 * craft-zip.py, and on a few hundred copies of real wheels with bytes
 * flipped or cut. The single pass may only ever pass a wheel the reference
 * passes, with the same warnings; whatever it does not pass, the verdict and
 * its message are the reference's; the sha256 is always the file's.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CheckTask, referenceCheckFile, runCheckTask, singlePass } from '../../src/core/check-task.js';
import { ContentError } from '../../src/core/errors.js';
import { Inflater } from '../../src/core/inflate.js';
import { parseDistributionName, type WheelName } from '../../src/core/wheels.js';
import { SAMPLE_EXAMPLE_WHEEL, SAMPLE_SDIST, SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, useTempDirs } from '../helpers/tmp.js';
import { lacks, PYTHON } from '../helpers/tools.js';

const tempDir = useTempDirs();
const HELPERS = resolve(import.meta.dirname, '../helpers');
const WHEEL = 'wheel-0.43.0-py3-none-any.whl';

/** Adds large members to the sample wheel (RECORD rewritten): 3 MiB of text deflated, 2 MiB random stored, 1.5 MiB random deflated. */
const ADD_LARGE = `
import base64, csv, hashlib, io, random, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
rng = random.Random(7)
with zipfile.ZipFile(src) as z:
    members = [(i.filename, z.read(i)) for i in z.infolist()]
record = next(n for n, _ in members if n.endswith('.dist-info/RECORD'))
text = ''.join(f'line {i}: {rng.random()}\\n' for i in range(120000)).encode()[: 3 * 1024 * 1024]
extra = [('wheel/big_text.txt', text, zipfile.ZIP_DEFLATED), ('wheel/big_stored.bin', rng.randbytes(2 * 1024 * 1024), zipfile.ZIP_STORED), ('wheel/big_random.bin', rng.randbytes(1536 * 1024), zipfile.ZIP_DEFLATED)]
out = io.StringIO()
w = csv.writer(out, lineterminator='\\n')
for name, data in [(n, d) for n, d in members if n != record] + [(n, d) for n, d, _ in extra]:
    w.writerow([name, 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode(), len(data)])
w.writerow([record, '', ''])
with zipfile.ZipFile(dst, 'w') as z:
    for name, data in members:
        if name == record:
            for n, d, method in extra:
                z.writestr(zipfile.ZipInfo(n, (2024, 1, 1, 0, 0, 0)), d, compress_type=method)
            data = out.getvalue().encode()
        z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
print(dst)
`;

/** The sample wheel with large members, in a fresh directory. */
async function largeWheel(): Promise<string> {
  const out = join(await tempDir('wg-single-pass'), WHEEL);
  execFileSync(PYTHON, ['-c', ADD_LARGE, SAMPLE_WHEEL, out]);
  return out;
}

/** A crafted copy of `src` (craft-zip.py). */
async function craft(kind: string, src = SAMPLE_WHEEL, n?: number): Promise<string> {
  const out = join(await tempDir('wg-single-pass'), WHEEL);
  execFileSync(PYTHON, [join(HELPERS, 'craft-zip.py'), kind, src, out, ...(n === undefined ? [] : [String(n)])]);
  return out;
}

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

/** A verdict in comparable form: the refusal's message and member, or the warnings. */
function verdict(found: ContentError | { message: string }[] | undefined): unknown {
  if (found instanceof ContentError) return { refused: found.message, member: found.member };
  return { warnings: (found ?? []).map((w) => w.message) };
}

/**
 * Checks `path` as `fileName` every way: the single pass alone, the task
 * (single pass, then the reference when it does not pass) and the
 * reference; returns whether the single pass passed it.
 */
async function agree(path: string, fileName = WHEEL, strict = false): Promise<boolean> {
  const parsed = parseDistributionName(fileName);
  const task: CheckTask = { path, fileName, hash: true, check: true, strict };
  const reference = await referenceCheckFile(path, fileName, parsed, strict);
  const result = await runCheckTask({ ...task, parsed });
  expect(verdict(result.contentError ?? result.warnings)).toEqual(verdict(reference));
  expect(result.sha256).toBe(await sha256(path));
  if (parsed?.kind !== 'wheel') return false;
  const fd = openSync(path, 'r');
  try {
    const pass = await singlePass(fd, (await readFile(path)).length, task, parsed as WheelName);
    expect(pass.digest.sha256).toBe(result.sha256);
    if (pass.passed) {
      // The single pass passes only what the reference passes, with the same warnings.
      expect(reference).not.toBeInstanceOf(ContentError);
      expect(verdict(pass.passed)).toEqual(verdict(reference));
    }
    return pass.passed !== undefined;
  } finally {
    closeSync(fd);
  }
}

describe.each([
  ['inflating with node:zlib internals (inflate.ts)', true],
  ["inflating with zlib's public APIs (where those internals are missing)", false],
])('%s', (_how, internals) => {
  beforeEach(() => {
    if (!internals) vi.spyOn(Inflater, 'usable').mockReturnValue(false);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('single pass: real and legal wheels pass in one read', () => {
    it.each([SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_EXAMPLE_WHEEL])('%s', async (path) => {
      expect(await agree(path, basename(path))).toBe(true);
    });

    it.skipIf(lacks('python'))('large members: stored, deflated past 1 MiB each way, streamed', async () => {
      expect(await agree(await largeWheel())).toBe(true);
    });

    it.skipIf(lacks('python')).each(['plain', 'descriptors', 'cp437-local'])('crafted, legal: %s (and with large members)', async (kind) => {
      expect(await agree(await craft(kind))).toBe(true);
      expect(await agree(await craft(kind, await largeWheel()))).toBe(true);
    });

    it.skipIf(lacks('python'))('a generated wheel, a stored 3 MiB payload (make-wheel.py)', async () => {
      const dir = await tempDir('wg-single-pass');
      const wheel = execFileSync(PYTHON, [join(HELPERS, 'make-wheel.py'), dir, 'made-here', '2.0', String(3 * 1024 * 1024)], { encoding: 'utf8' }).trim();
      expect(await agree(wheel, 'made_here-2.0-py3-none-any.whl')).toBe(true);
    });

    it('odd but installable: the same warnings; with strict, the same refusal', async () => {
      const odd = join(await tempDir('wg-single-pass'), 'wheel-0.43.0-py2.py3-none-any.whl');
      await writeFile(odd, await readFile(SAMPLE_WHEEL));
      expect(await agree(odd, 'wheel-0.43.0-py2.py3-none-any.whl')).toBe(true);
      expect(await agree(odd, 'wheel-0.43.0-py2.py3-none-any.whl', true)).toBe(false);
    });

    it('an sdist: hashed as it streams into gunzip, the same verdict', async () => {
      await agree(SAMPLE_SDIST, 'wheel-guard-sample-1.0.0.tar.gz');
      const cut = join(await tempDir('wg-single-pass'), 'wheel-guard-sample-1.0.0.tar.gz');
      const bytes = await readFile(SAMPLE_SDIST);
      await writeFile(cut, bytes.subarray(0, bytes.length - 40));
      await agree(cut, 'wheel-guard-sample-1.0.0.tar.gz');
    });
  });

  describe.skipIf(lacks('python'))('single pass: what the reference refuses, it never passes; the refusal is the reference\'s', () => {
    it.each([
      ['name-mismatch'],
      ['flag-mismatch'],
      ['evil-name'],
      ['overlap'],
      ['big-member', 64],
      ['lying-size'],
      ['crc-flip'],
      ['big-record', 20],
      ['record-inflates', 20],
      ['many-members'],
    ] as [string, number?][])('%s', async (kind, n) => {
      expect(await agree(await craft(kind, SAMPLE_WHEEL, n))).toBe(false);
    });

    it('a byte flipped in a large deflated member, and in a large stored one', async () => {
      const path = await largeWheel();
      const bytes = Buffer.from(await readFile(path));
      for (const name of ['wheel/big_text.txt', 'wheel/big_stored.bin']) {
        const copy = Buffer.from(bytes);
        const at = copy.indexOf(Buffer.from(name)) + name.length + 500_000;
        copy[at] = copy[at]! ^ 0x01;
        await writeFile(path, copy);
        expect(await agree(path)).toBe(false);
      }
    });

    it('hundreds of damaged copies (bytes flipped anywhere, cut anywhere): the same verdict and sha256 as the reference', async () => {
      // A fixed seed: the same copies every run.
      let seed = 0x2545f491;
      const random = (n: number): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
      };
      const sources = [await readFile(SAMPLE_WHEEL), await readFile(await craft('descriptors')), await readFile(SAMPLE_SMALL_WHEEL)];
      const names = [WHEEL, WHEEL, 'wheel_guard_sample-1.0.0-py3-none-any.whl'];
      const dir = await tempDir('wg-single-pass');
      let passed = 0;
      for (let i = 0; i < 240; i++) {
        const which = i % sources.length;
        const source = sources[which]!;
        let copy: Buffer;
        if (i % 4 === 3) {
          copy = source.subarray(0, random(source.length));
        } else {
          copy = Buffer.from(source);
          for (let flips = 1 + random(3); flips > 0; flips--) {
            // Half the flips in the last 2 KiB: the central directory and end records.
            const at = random(2) === 0 ? copy.length - 1 - random(Math.min(2048, copy.length)) : random(copy.length);
            copy[at] = copy[at]! ^ (1 << random(8));
          }
        }
        const path = join(dir, names[which]!);
        await writeFile(path, copy);
        if (await agree(path, names[which])) passed++;
      }
      // Some flips land where nothing reads them (timestamps, padding): those copies pass both ways.
      expect(passed).toBeLessThan(240);
    }, 120_000);
  });
});
