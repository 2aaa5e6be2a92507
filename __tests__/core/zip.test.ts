/**
 * The zip structure checks (src/core/zip.ts) on real wheels made hostile by
 * __tests__/helpers/craft-zip.py: only the zip structure lies, RECORD stays
 * right, so each refusal is the structure check's.
 *
 * What Python does with each (observed with 3.11.7 / pip 23.2.1 and 3.13.0 /
 * pip 24.2, `zipfile.ZipFile(p).testzip()` and `pip install --no-deps`):
 *   name-mismatch    both refuse: "File name in directory … and header … differ"
 *   flag-mismatch    both refuse, the same way (the local name read as CP437)
 *   cp437-local      both install it (one name, encoded two ways): so does wheel-guard
 *   descriptors      both install it: so does wheel-guard
 *   overlap          3.13 refuses ("Overlapped entries … (possible zip bomb)"); 3.11 installs it
 *   crc-flip         both refuse: "Bad CRC-32 for file …"
 *   big-member       both install it (honest sizes; 64 MiB from a 130 KB wheel)
 *   lying-size       both install it (they read to the end of the deflate data)
 *   big-record       both install it (a 255 MiB RECORD from a 1 MB wheel)
 *   record-inflates  both install it (they stop at the declared size)
 *   many-members     both install it (they read the central directory by its size, not its count)
 *   evil-name        both refuse it ("trying to install outside the target directory")
 * wheel-guard refuses all of them: the first three as pip does, the rest as
 * plainly hostile (bombs and lying sizes), each before inflating anything
 * but record-inflates, which is cut at its declared size.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkDistribution } from '../../src/core/contents.js';
import { ContentError } from '../../src/core/errors.js';
import { crc32, crc32Js, MAX_MEMBERS, MAX_RATIO } from '../../src/core/zip.js';
import { MAX_RECORD } from '../../src/core/wheel-contents.js';
import { SAMPLE_WHEEL, useTempDirs } from '../helpers/tmp.js';
import { lacks, PYTHON } from '../helpers/tools.js';

const tempDir = useTempDirs();
const CRAFT = resolve(import.meta.dirname, '../helpers/craft-zip.py');
const WHEEL = 'wheel-0.43.0-py3-none-any.whl';
const RECORD = 'wheel-0.43.0.dist-info/RECORD';
const PREFIX = `${WHEEL}: content check failed`;

/** The sample wheel made hostile in the way `kind` says (craft-zip.py). */
async function craft(kind: string, n?: number): Promise<string> {
  const out = join(await tempDir('wg-zip'), WHEEL);
  execFileSync(PYTHON, [CRAFT, kind, SAMPLE_WHEEL, out, ...(n === undefined ? [] : [String(n)])]);
  return out;
}

/** The ContentError a check throws (fails the test if it passes). */
async function refused(path: string): Promise<ContentError> {
  const error = await checkDistribution(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContentError);
  if (process.env.WG_SHOW) console.log((error as Error).message);
  return error as ContentError;
}

describe.skipIf(lacks('python'))('zip structure: legal zips pass', () => {
  it('the sample rewritten by craft-zip.py unchanged (the control for every case below)', async () => {
    await expect(checkDistribution(await craft('plain'))).resolves.toEqual([]);
  });

  it('every member with a data descriptor after its data (a streaming writer)', async () => {
    await expect(checkDistribution(await craft('descriptors'))).resolves.toEqual([]);
  });

  it('a name UTF-8 in the central directory and CP437 in its local header: the same name, as Python reads them', async () => {
    await expect(checkDistribution(await craft('cp437-local'))).resolves.toEqual([]);
  });
});

describe.skipIf(lacks('python'))('zip structure: refused with the wheel, the member and the reason', () => {
  it('a local header that names another file than the central directory (pip refuses it)', async () => {
    const error = await refused(await craft('name-mismatch'));
    expect(error.member).toBe('wheel/util.py');
    expect(error.message).toBe(
      `${PREFIX} at wheel/util.py: its local header names it wheel/evil.py: the central directory and the local header differ (pip refuses it: "File name in directory and header differ")`,
    );
  });

  it('the same name bytes, UTF-8 flagged only in the central directory: another name in the local header (pip refuses it)', async () => {
    const error = await refused(await craft('flag-mismatch'));
    expect(error.member).toBe('wheel/caf\u00e9.py');
    expect(error.message).toBe(
      `${PREFIX} at "wheel/caf\\u00e9.py": its local header names it "wheel/caf\\u251c\\u2310.py": the central directory and the local header differ (pip refuses it: "File name in directory and header differ")`,
    );
  });

  it("overlapping members: Fifield's quoted overlap, RECORD right (Python 3.13 refuses it)", async () => {
    const error = await refused(await craft('overlap'));
    expect(error.member).toBe('wheel/overlap.py');
    expect(error.message).toMatch(new RegExp(`^${PREFIX} at wheel/overlap\\.py: its bytes \\([\\d,]+ to [\\d,]+\\) run into those of wheel/util\\.py \\(from [\\d,]+\\): members that share bytes are a zip bomb`));
    expect(error.message).toContain('refused before inflating');
  });

  it(`declared sizes over ${MAX_RATIO}:1 of the archive (64 MiB of zeros in a 130 KB wheel), refused before inflating`, async () => {
    const path = await craft('big-member', 64);
    const started = performance.now();
    const error = await refused(path);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.member).toBeUndefined();
    expect(error.message).toMatch(new RegExp(`^${PREFIX}: its members declare 67,314,230 bytes uncompressed in a [\\d,]+-byte archive: more than 250:1 is refused before inflating`));
  });

  it('a member declaring more than deflate can make of its data', async () => {
    const error = await refused(await craft('lying-size'));
    expect(error.member).toBe('wheel/util.py');
    expect(error.message).toBe(`${PREFIX} at wheel/util.py: declares 3,221,225,472 bytes from 287 deflated: more than deflate can make of them (1032:1); refused before inflating`);
  });

  it("one bit of a member's CRC-32 flipped in the central directory only, RECORD right (pip refuses it)", async () => {
    const error = await refused(await craft('crc-flip'));
    expect(error.member).toBe('wheel/util.py');
    expect(error.message).toBe(`${PREFIX} at wheel/util.py: its CRC-32 does not match the central directory (pip refuses it: "Bad CRC-32")`);
  });

  it.each([20, 255])('a RECORD of %i MiB of real rows, honestly deflated: refused by its cap, unread', async (mib) => {
    const path = await craft('big-record', mib);
    const heap = process.memoryUsage().heapUsed;
    const error = await refused(path);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(16 * 1024 * 1024);
    expect(error.member).toBe(RECORD);
    expect(error.message).toMatch(new RegExp(`^${PREFIX} at ${RECORD.replace(/\./g, '\\.')}: declares [\\d,]+ bytes; more than 16 MiB is refused before inflating`));
    expect(MAX_RECORD).toBe(16 * 1024 * 1024);
  });

  it('a RECORD whose data inflates to 255 MiB past the size it declares: cut at its declared size', async () => {
    const error = await refused(await craft('record-inflates', 255));
    expect(error.member).toBe(RECORD);
    expect(error.message).toBe(`${PREFIX} at ${RECORD}: cannot be read: too many bytes: it inflates past the 2,749 it declares`);
  });

  it(`more than ${MAX_MEMBERS.toLocaleString('en-US')} members declared: refused before the central directory is read`, async () => {
    const error = await refused(await craft('many-members'));
    expect(error.member).toBeUndefined();
    expect(error.message).toBe(`${PREFIX}: the zip declares 300,000 members; more than 200,000 is refused (the largest real wheels hold some 16,000)`);
  });
});

describe.skipIf(lacks('python'))('zip structure: names in messages', () => {
  it('a member named "../" with an escape sequence and a newline: refused, its name quoted, nothing raw', async () => {
    const error = await refused(await craft('evil-name'));
    expect(error.message).toMatch(new RegExp(`^${PREFIX}: the zip central directory is damaged: invalid relative path: "\\.\\./`));
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(error.message.split('\n')).toHaveLength(1);
  });
});

describe('crc32', () => {
  it('the JavaScript fallback agrees with zlib.crc32, in one piece and in chunks', () => {
    const data = randomBytes(100_003);
    const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
    const whole = crc32Js(data);
    expect(crc32Js(data.subarray(40_000), crc32Js(data.subarray(0, 40_000)))).toBe(whole);
    expect(crc32(data)).toBe(whole);
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    if (native) expect(native(data)).toBe(whole);
  });
});
