/**
 * A guard that cannot be turned against its user: containers crafted as an
 * attacker would craft them (whoever can write to the bucket, the artifact
 * or the shared directory chooses its names, sizes and bytes), against the
 * committed bundles. Each test asserts the safe outcome: one clear line
 * naming the entry, nothing written outside `path`, nothing secret printed,
 * no forged workflow command, and an end in bounded time and memory.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HostileS3, startHostileS3 } from '../helpers/hostile-s3.js';
import { startProxy } from '../helpers/proxy.js';
import { type S3Server, startS3rver } from '../helpers/s3rver.js';
import { lacks, mkfifo, NOT_POSIX, PYTHON } from '../helpers/tools.js';
import { names, NODE, problems, ROOT, runAction, runCli, type Run, SAMPLES, summaryText, WHEELS, workspace } from './harness.js';

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const SECRET = 'https://release-bot:ghp_S3cr3tT0k3nThatMustNeverBePrinted@github.com';

/** Symbolic links need a privilege (or developer mode) on Windows. */
const NO_SYMLINKS = NOT_POSIX && 'symbolic links need a privilege on Windows';
/** Windows file names cannot hold control characters (line breaks, escapes) or ':'. */
const NO_CONTROL_NAMES = NOT_POSIX && "Windows file names cannot hold control characters or ':'";
/** Whether the file system the workspaces are made on tells names apart only by case (macOS and Windows by default). */
const CASE_BLIND = ((): string | false => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-case-'));
  try {
    writeFileSync(join(dir, 'a'), '');
    return existsSync(join(dir, 'A')) && 'this file system does not tell names apart by case: the twin would overwrite the wheel';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

/** Everything a run showed anyone: log, errors, summary, outputs. */
const shown = (run: Run): string => [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs)].join('\n');

/** Lines of the log that are workflow commands. */
const commandLines = (run: Run): string[] => run.stdout.split('\n').filter((line) => line.startsWith('::'));

/** A workspace whose `parked` directory holds the sample wheels' pairs, put there by post-build. */
async function parkedWorkspace(): Promise<string> {
  const ws = await workspace();
  const run = await runAction('post-build', { container: 'parked' }, ws);
  expect(run.errors).toEqual([]);
  await writeFile(join(ws, 'secret.txt'), `${SECRET}\n`);
  return ws;
}

/** Puts a pair into a local container: the bytes and a sidecar that matches them. */
async function putPair(dir: string, name: string, bytes: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), bytes);
  await writeFile(join(dir, `${name}.sha256`), `${sha256(bytes)}  ${name}\n`);
}

describe('local container entries that are not regular files', () => {
  let ws: string;
  beforeEach(async () => {
    ws = await parkedWorkspace();
  });

  it.skipIf(NO_SYMLINKS)('a sidecar that is a symlink to a secret outside the container: refused naming it, the secret never printed', async () => {
    const sidecar = join(ws, 'parked', `${WHEELS[0]}.sha256`);
    await rm(sidecar);
    await symlink(join(ws, 'secret.txt'), sidecar);
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([`${WHEELS[0]}.sha256 in parked is a symbolic link, not a regular file; only regular files are read; it was not read`]);
    expect(shown(run)).not.toContain('ghp_');
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.slice(1));
  });

  it.skipIf(NO_SYMLINKS)('post-build reading a remote sidecar that is a symlink to a secret: refused, the secret never printed, nothing uploaded over it', async () => {
    const sidecar = join(ws, 'parked', `${WHEELS[0]}.sha256`);
    await rm(sidecar);
    await symlink(join(ws, 'secret.txt'), sidecar);
    const run = await runAction('post-build', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([`${WHEELS[0]}.sha256 is a symbolic link, not a regular file; only regular files are read`]);
    expect(shown(run)).not.toContain('ghp_');
    expect(await readFile(join(ws, 'secret.txt'), 'utf8')).toBe(`${SECRET}\n`);
  });

  it.skipIf(NO_SYMLINKS)('a wheel that is a symlink to a file outside the container: refused, never copied into path as verified', async () => {
    const outside = join(ws, 'outside.whl');
    await copyFile(join(SAMPLES, WHEELS[1]!), outside);
    await rm(join(ws, 'parked', WHEELS[1]!));
    await symlink(outside, join(ws, 'parked', WHEELS[1]!));
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([`${WHEELS[1]} in parked is a symbolic link, not a regular file; only regular files are read; it was not read`]);
    expect(await names(join(ws, 'dist'))).toEqual([WHEELS[0], WHEELS[2]]);
  });

  it.skipIf(NO_SYMLINKS)('a symlink in path under a wheel name is never taken as the wheel already present; it is replaced by the verified wheel', async () => {
    await mkdir(join(ws, 'dist'));
    await copyFile(join(SAMPLES, WHEELS[0]!), join(ws, 'elsewhere.whl'));
    await symlink(join(ws, 'elsewhere.whl'), join(ws, 'dist', WHEELS[0]!));
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.errors).toEqual([]);
    expect(JSON.parse(run.outputs.files!).map((f: { name: string }) => f.name)).toContain(WHEELS[0]);
    expect(summaryText(run)).toMatch(new RegExp(`${WHEELS[0]!.replace(/\./g, '\\.')}.*?verified`));
    // The verified bytes sit in path itself now; the file the link pointed to is untouched.
    const { lstat } = await import('node:fs/promises');
    expect((await lstat(join(ws, 'dist', WHEELS[0]!))).isFile()).toBe(true);
    expect(await readFile(join(ws, 'elsewhere.whl'))).toEqual(await readFile(join(SAMPLES, WHEELS[0]!)));
  });

  it.skipIf(lacks('mkfifo'))('a sidecar that is a FIFO: collect and post-build end at once, naming it (they used to wait forever)', async () => {
    const sidecar = join(ws, 'parked', `${WHEELS[2]}.sha256`);
    await rm(sidecar);
    mkfifo(sidecar);
    const collect = await runAction('collect', { container: 'parked' }, ws);
    expect(collect.code).toBe(1);
    expect(problems(collect)).toEqual([expect.stringMatching(new RegExp(`^${WHEELS[2]!.replace(/\./g, '\\.')}\\.sha256 in parked is a FIFO, not a regular file`))]);
    const postBuild = await runAction('post-build', { container: 'parked' }, ws);
    expect(postBuild.code).toBe(1);
    expect(problems(postBuild)).toEqual([expect.stringContaining(`${WHEELS[2]}.sha256 is a FIFO, not a regular file`)]);
  });

  it('a 1 GiB sidecar is refused at 4 KiB, not read whole', async () => {
    const sidecar = join(ws, 'parked', `${WHEELS[1]}.sha256`);
    await truncate(sidecar, 1024 ** 3);
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([`${WHEELS[1]}.sha256 is larger than 4 KiB: refused, not read further`]);
  });
});

describe('names that carry workflow commands, line breaks or terminal escapes', () => {
  const FORGED = 'x\n::error title=forged::this line was forged\n::add-mask::ghp\n::stop-commands::tok\n-1.0-py3-none-any.whl';

  it.skipIf(NO_CONTROL_NAMES)('collect names the entry escaped; no forged command reaches the log, the summary holds no raw line break, SHA256SUMS no forged line', async () => {
    const ws = await parkedWorkspace();
    const bytes = await readFile(join(SAMPLES, WHEELS[2]!));
    await writeFile(join(ws, 'parked', FORGED), bytes);
    await writeFile(join(ws, 'parked', `${FORGED}.sha256`), `${sha256(bytes)}  ${FORGED}\n`);
    const run = await runAction('collect', { container: 'parked', 'check-contents': 'false', sha256sums: 'SUMS' }, ws);
    expect(run.code).toBe(1);
    // The only workflow commands are the ones the tool means: its annotation and failure (escaped by @actions/core).
    expect(commandLines(run).every((line) => line.startsWith('::error::') || line.startsWith('::group::') || line.startsWith('::endgroup::'))).toBe(true);
    expect(run.stdout).not.toMatch(/^::(error title=forged|add-mask|stop-commands)/m);
    const escaped = JSON.stringify(FORGED);
    expect(problems(run)).toEqual([
      `parked holds an entry named ${escaped}, which holds control or invisible characters; it was not read: remove it`,
      `parked holds an entry named ${JSON.stringify(`${FORGED}.sha256`)}, which holds control or invisible characters; it was not read: remove it`,
    ]);
    expect(run.summary).not.toContain('\n::');
    // The problems stay inside their list: no line of the summary starts with a name's text.
    const lines = run.summary.split('\n').filter((line) => line.includes('forged'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^<ul><li>.*<\/li><\/ul>$/);
    // Every verified wheel is there and nothing else: SHA256SUMS has exactly their three lines.
    const sums = (await readFile(join(ws, 'SUMS'), 'utf8')).trimEnd().split('\n');
    expect(sums.map((line) => line.split('  ')[1])).toEqual(WHEELS);
    expect(JSON.parse(run.outputs.files!)).toHaveLength(3);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });

  it.skipIf(NO_CONTROL_NAMES)('the CLI shows terminal escape sequences in a name escaped, never raw', async () => {
    const ws = await parkedWorkspace();
    const evil = 'a\u001b]0;pwned\u0007\u001b[2J\u009b31m-1.0-py3-none-any.whl';
    const bytes = await readFile(join(SAMPLES, WHEELS[2]!));
    await putPair(join(ws, 'parked'), evil, bytes);
    const run = await runCli(['collect', '--container', 'parked', '--check-contents', 'false'], ws);
    expect(run.code).toBe(1);
    for (const text of [run.stdout, run.stderr]) expect(text).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(run.stderr).toContain('"a\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m-1.0-py3-none-any.whl"');
  });

  it('a right-to-left override or a space in a name is refused at the door too', async () => {
    const ws = await parkedWorkspace();
    const bytes = await readFile(join(SAMPLES, WHEELS[2]!));
    await putPair(join(ws, 'parked'), 'evil\u202elhw.1-0.1-py3-none-any.whl', bytes);
    await putPair(join(ws, 'parked'), 'two words-1.0-py3-none-any.whl', bytes);
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    const found = problems(run);
    expect(found.filter((p) => p.includes('\\u202e'))).toHaveLength(2);
    expect(found.filter((p) => p.includes('"two words-1.0-py3-none-any.whl"') && p.includes('no distribution or sidecar name can have'))).toHaveLength(1);
    expect(run.stdout).not.toContain('\u202e');
  });
});

describe('one project, one name', () => {
  const refusesTwins = async (_label: string, twin: string): Promise<void> => {
    const ws = await parkedWorkspace();
    await putPair(join(ws, 'parked'), twin, await readFile(join(SAMPLES, WHEELS[2]!)));
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    const [problem, ...rest] = problems(run);
    expect(rest).toEqual([]);
    expect(problem).toContain(`${[twin, WHEELS[2]].sort().join(' and ')} in parked are one distribution under 2 names`);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.slice(0, 2));
  };
  const title = 'collect refuses two files that are one distribution (%s), naming both, and places neither';
  it.skipIf(CASE_BLIND).each([['case', 'Wheel_Guard_Sample-1.0.0-py3-none-any.whl']])(title, refusesTwins);
  it.each([['. for _', 'wheel.guard_sample-1.0.0-py3-none-any.whl']])(title, refusesTwins);

  it.skipIf(CASE_BLIND)('post-build refuses them before either reaches the container', async () => {
    const ws = await workspace();
    await copyFile(join(SAMPLES, WHEELS[2]!), join(ws, 'wheelhouse', 'Wheel_Guard_Sample-1.0.0-py3-none-any.whl'));
    const run = await runAction('post-build', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringContaining('are one distribution under 2 names')]);
    expect(await names(join(ws, 'parked'))).toEqual([...WHEELS.slice(0, 2).flatMap((w) => [w, `${w}.sha256`])]);
  });
});

describe('empty means wrong', () => {
  it('collect from a container with no pair fails naming the container and pattern (if-no-files-found: error by default)', async () => {
    const ws = await workspace();
    await mkdir(join(ws, 'empty-prefix'));
    const run = await runAction('collect', { container: 'empty-prefix' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringMatching(/^no wheel\/sidecar pair matching \*\.whl in empty-prefix; check the container/)]);
    expect(run.outputs.count).toBe('0');
  });

  it('if-no-files-found: warn makes it a warning, ignore a log line', async () => {
    const ws = await workspace();
    await mkdir(join(ws, 'empty-prefix'));
    const warn = await runAction('collect', { container: 'empty-prefix', 'if-no-files-found': 'warn' }, ws);
    expect(warn.code).toBe(0);
    expect(warn.warnings).toEqual([expect.stringContaining('no wheel/sidecar pair matching *.whl in empty-prefix')]);
    const ignore = await runAction('collect', { container: 'empty-prefix', 'if-no-files-found': 'ignore' }, ws);
    expect(ignore.code).toBe(0);
    expect(ignore.warnings).toEqual([]);
  });
});

describe('a flood of problems', () => {
  it('100,000 unpaired entries: 50 annotations, every problem in the log, a summary under 1 MiB', async () => {
    const ws = await workspace();
    const dir = join(ws, 'flood');
    await mkdir(dir);
    const sidecar = `${'0'.repeat(64)}  x\n`;
    for (let start = 0; start < 100_000; start += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(join(dir, `pkg${start + i}-1.0-py3-none-any.whl.sha256`), sidecar)));
    }
    const run = await runAction('collect', { container: 'flood' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors.filter((e) => e.includes('the wheel itself is not'))).toHaveLength(50);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('error: ') && line.includes('the wheel itself is not'))).toHaveLength(99_950);
    expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024);
    expect(run.summary).toContain('100001 problem(s)');
    expect(run.summary).toMatch(/and 99951 more problem\(s\), every one in the step's log/);
  }, 180_000);
});

describe('a hostile S3 endpoint', () => {
  let s3: HostileS3;
  const env = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: devNull, AWS_SHARED_CREDENTIALS_FILE: devNull };
  const collect = (ws: string, prefix: string) => runAction('collect', { container: `s3://hostile/${prefix}`, endpoint: s3.endpoint, retries: '1' }, ws, env);
  beforeAll(async () => {
    s3 = await startHostileS3();
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('a sidecar that never ends is refused at 4 KiB; a wheel body past its listed size is cut at that byte, nothing left in path', async () => {
    const wheel = await readFile(join(SAMPLES, WHEELS[1]!));
    s3.objects.set(`a/${WHEELS[1]}`, { size: wheel.length, body: wheel });
    s3.objects.set(`a/${WHEELS[1]}.sha256`, { size: 100, body: Buffer.from('0'.repeat(4096)), endless: true });
    s3.objects.set(`a/${WHEELS[2]}`, { size: 1000, body: Buffer.alloc(65536, 7), endless: true });
    s3.objects.set(`a/${WHEELS[2]}.sha256`, { size: 100, body: Buffer.from(`${'ab'.repeat(32)}  ${WHEELS[2]}\n`) });
    const ws = await workspace();
    const run = await collect(ws, 'a');
    expect(run.code).toBe(1);
    expect(problems(run).sort()).toEqual([
      `${WHEELS[1]}.sha256 is larger than 4 KiB: refused, not read further`,
      expect.stringMatching(new RegExp(`^${WHEELS[2]!.replace(/\./g, '\\.')}: the container sent more than the 1000 bytes it listed for it \\(\\d+ so far\\); refused$`)),
    ]);
    expect(await readdir(join(ws, 'dist'))).toEqual([]);
  });

  it('a listing that never ends is refused at its cap, in bounded memory', async () => {
    s3.endlessListings.add('endless/');
    const ws = await workspace();
    const run = await collect(ws, 'endless');
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain("the store's answer to ListObjectsV2Command is larger than 16 MiB; refused");
  });
});

describe.skipIf(lacks('python'))('two collects into one path at once', () => {
  let server: S3Server;
  beforeAll(async () => {
    server = await startS3rver(['wheels']);
  });
  afterAll(async () => {
    await server.stop();
  });

  const BIG = 'slow_pkg-1.0.0-py3-none-any.whl';

  /** A workspace whose samples and a 2 MB wheel are parked in s3://wheels/<prefix>. */
  async function parkedWithBig(prefix: string): Promise<string> {
    const ws = await workspace();
    execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), join(ws, 'wheelhouse'), 'slow-pkg', '1.0.0', String(2_000_000)]);
    expect((await runAction('post-build', { container: `s3://wheels/${prefix}`, endpoint: server.endpoint }, ws, server.env)).errors).toEqual([]);
    return ws;
  }

  /** A proxy in front of s3rver that holds the first download of the big wheel half-way for `ms`. */
  const pausingBig = (ms: number) =>
    startProxy(server.endpoint, (req, seen) => (req.method === 'GET' && req.url?.includes(BIG) && seen === 0 ? { pauseResponseAfter: { bytes: 1_000_000, ms } } : undefined));

  /** Waits until a run's temporary file of the big wheel is in dist/: its download is under way. */
  async function bigUnderWay(ws: string): Promise<void> {
    const started = async () => (await readdir(join(ws, 'dist')).catch(() => [])).some((n) => n.startsWith(`.${BIG}.wg-`));
    for (let i = 0; i < 200 && !(await started()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await started()).toBe(true);
  }

  it("a second run never takes the first one's temporary files for leftovers: both end with every wheel verified in place", async () => {
    const ws = await parkedWithBig('two');
    const big = BIG;
    // The first run's download of the big wheel pauses half-way for 4 s, its temporary file in dist/.
    const proxy = await pausingBig(4000);
    try {
      const inputs = { container: 's3://wheels/two', endpoint: proxy.endpoint };
      const first = runAction('collect', inputs, ws, server.env);
      await bigUnderWay(ws);
      const second = await runAction('collect', inputs, ws, server.env);
      const one = await first;
      expect(second.errors).toEqual([]);
      expect(one.errors).toEqual([]);
      expect(await names(join(ws, 'dist'))).toEqual([...WHEELS, big].sort());
    } finally {
      await proxy.stop();
    }
  });

  it('a run that fails while another runs never leaves that one a success with files missing', async () => {
    const ws = await parkedWithBig('fail');
    const big = BIG;
    const all = [...WHEELS, big].sort();
    // Container "bad" holds the same names with sidecars that never match: every wheel fails there.
    for (const wheel of all) {
      await putPair(join(ws, 'bad'), wheel, Buffer.from('not this wheel'));
      await writeFile(join(ws, 'bad', `${wheel}.sha256`), `${'0'.repeat(64)}  ${wheel}\n`);
    }
    // The good run's big wheel pauses half-way; the bad run starts then, while the good one is still at work.
    const proxy = await pausingBig(3000);
    try {
      const good = runAction('collect', { container: 's3://wheels/fail', endpoint: proxy.endpoint }, ws, server.env);
      await bigUnderWay(ws);
      const bad = await runAction('collect', { container: 'bad', retries: '0', sha256sums: 'bad.sums' }, ws);
      const done = await good;
      expect(bad.code).toBe(1);
      const inPath = (await names(join(ws, 'dist'))).filter((n) => !n.startsWith('.'));
      if (done.code === 0) {
        // A success means every wheel it verified is in place, with the bytes it verified.
        expect(inPath).toEqual(all);
        for (const wheel of all) expect(await readFile(join(ws, 'dist', wheel))).toEqual(await readFile(join(ws, 'wheelhouse', wheel)));
      } else {
        expect(problems(done).length).toBeGreaterThan(0);
        expect(problems(done).every((p) => /verified, then removed in dist by another process during this run/.test(p))).toBe(true);
      }
      // The bad run never removed what the good run placed after the bad one began: the big wheel.
      expect(inPath).toContain(big);
    } finally {
      await proxy.stop();
    }
  });
});

describe('post-build does not read past a local FIFO in its own wheelhouse', () => {
  it.skipIf(lacks('mkfifo'))('a FIFO named like a wheel is refused at once', async () => {
    const ws = await workspace();
    mkfifo(join(ws, 'wheelhouse', 'fifo_pkg-1.0-py3-none-any.whl'));
    const child = spawn(NODE, [join(ROOT, 'dist/post-build/index.js')], { cwd: ws, env: { ...process.env, INPUT_CONTAINER: 'parked', INPUT_PATH: 'wheelhouse', GITHUB_OUTPUT: '', GITHUB_STEP_SUMMARY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stdout).toContain('fifo_pkg-1.0-py3-none-any.whl in wheelhouse is not a regular file');
  });
});
