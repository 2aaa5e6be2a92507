/**
 * Runs a committed bundle the way the Actions runner does: a fresh process of
 * WG_NODE (this machine's Node or Node 24), inputs as INPUT_* variables,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, exit code and ::error:: lines.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SAMPLES = join(ROOT, 'samples');
export const NODE = process.env.WG_NODE || process.execPath;

/** The sample wheels shipped in samples/ (real distributions). */
export const WHEELS = ['example-21.12-py3-none-any.whl', 'wheel-0.43.0-py3-none-any.whl', 'wheel_guard_sample-1.0.0-py3-none-any.whl'];
export const SDIST = 'wheel-guard-sample-1.0.0.tar.gz';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The messages of `::error` workflow commands. */
  errors: string[];
  warnings: string[];
}

/** Parses the GITHUB_OUTPUT file (name<<delimiter blocks). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== match[2]; i++) value.push(lines[i]!);
    outputs[match[1]!] = value.join('\n');
  }
  return outputs;
}

/** The messages of one kind of workflow command (`error`, `warning`) in a log, unescaped. */
export function commands(stdout: string, command: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${command}`))
    .map((line) => line.slice(line.indexOf('::', 2) + 2).replace(/%0A/g, '\n').replace(/%25/g, '%'));
}

/** Spawns a process and collects its output. */
export function spawnCollect(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; onStdout?: (all: string) => void },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** An environment without the caller's INPUT_* and GITHUB_* variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(INPUT_|GITHUB_|AWS_|AZURE_)/.test(key) && key !== 'RUNNER_DEBUG'));
}

/**
 * A step's environment as the runner makes it: `INPUT_*` variables, empty GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files in a fresh folder `files` (remove it once `stepResult` has read it).
 */
export async function stepEnv(inputs: Record<string, string>, cwd: string, extraEnv: Record<string, string> = {}): Promise<{ files: string; env: NodeJS.ProcessEnv }> {
  const files = await mkdtemp(join(tmpdir(), 'wg-runner-'));
  await writeFile(join(files, 'output'), '');
  await writeFile(join(files, 'summary'), '');
  const env: NodeJS.ProcessEnv = { ...cleanEnv(), ...extraEnv, GITHUB_OUTPUT: join(files, 'output'), GITHUB_STEP_SUMMARY: join(files, 'summary'), GITHUB_WORKSPACE: cwd };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return { files, env };
}

/** What a step left: its exit code and output, the outputs and summary in `files` (from stepEnv), its ::error/::warning lines. */
export async function stepResult(spawned: { code: number | null; stdout: string; stderr: string }, files: string): Promise<Run> {
  return {
    ...spawned,
    outputs: parseOutputs(await readFile(join(files, 'output'), 'utf8')),
    summary: await readFile(join(files, 'summary'), 'utf8'),
    errors: commands(spawned.stdout, 'error'),
    warnings: commands(spawned.stdout, 'warning'),
  };
}

/** Runs `dist/<entry>/index.js` as a step with these inputs, in `cwd`. */
export async function runAction(
  entry: 'post-build' | 'collect' | 'root',
  inputs: Record<string, string>,
  cwd: string,
  extraEnv: Record<string, string> = {},
  onStdout?: (all: string) => void,
): Promise<Run> {
  const { files, env } = await stepEnv(inputs, cwd, extraEnv);
  const script = join(ROOT, 'dist', entry === 'root' ? 'index.js' : `${entry}/index.js`);
  try {
    return await stepResult(await spawnCollect(NODE, [script], { cwd, env, ...(onStdout ? { onStdout } : {}) }), files);
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

/** Runs the CLI bundle with arguments; `nodeArgs` go to Node before the script (e.g. `--max-old-space-size=96`). */
export async function runCli(
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return spawnCollect(NODE, [...nodeArgs, join(ROOT, 'dist/cli/index.js'), ...args], { cwd, env: { ...cleanEnv(), ...extraEnv } });
}

// Every workspace a test file made is removed when the file is done (a test may share one across its
// tests); this module is evaluated once per test file, so the hook lands on that file.
const workspaces: string[] = [];
afterAll(async () => {
  await Promise.all(workspaces.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh workspace with `wheelhouse/` holding copies of the sample wheels (and the sdist if asked); removed after its test file. */
export async function workspace(options: { sdist?: boolean } = {}): Promise<string> {
  // Its real path: macOS's temporary directory (/var/folders/…) is a link to /private/var/…, which is what
  // the bundles see through process.cwd(), so what they print is compared with this.
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'wg-e2e-')));
  workspaces.push(dir);
  await mkdir(join(dir, 'wheelhouse'));
  for (const name of [...WHEELS, ...(options.sdist ? [SDIST] : [])]) await copyFile(join(SAMPLES, name), join(dir, 'wheelhouse', name));
  return dir;
}

/** The names in a directory, sorted, hidden files included. */
export async function names(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** The job summary's text with its numeric character references (how it escapes Markdown and HTML) decoded. */
export function summaryText(run: Run): string {
  return run.summary.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The ::error:: lines about problems, without the closing "N problem(s)" line. */
export function problems(run: Run): string[] {
  return run.errors.filter((e) => !/^wheel-guard [a-z-]+: \d+ problem\(s\)/.test(e));
}
