/**
 * The programs the tests borrow from the machine (Python, sha256sum, openssl,
 * nginx, curl, the AWS CLI, rclone, twine, mkfifo), found the same way on
 * Linux, macOS and Windows, and one rule for when one is missing:
 *
 * - Under `npm test` (scripts/test.sh, what `.ci/run` runs) WG_ALL_TOOLS=1:
 *   nothing skips. `.ci/run` installs every tool, and a test whose tool is
 *   missing runs and fails, saying what to install.
 * - Elsewhere (`npx vitest run` on a Windows or macOS runner, a laptop) a test
 *   that needs a missing tool is skipped, and the skip says which tool: the
 *   rest of the suite still runs there.
 *
 * `WG_HIDE_TOOLS=nginx,aws,…` makes this module treat those tools as missing,
 * so the skip rules can be exercised on a machine that has them all
 * (DEVELOPERS.md, "Platforms").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type Tool = 'python' | 'sha256sum' | 'openssl' | 'nginx' | 'curl' | 'aws' | 'rclone' | 'twine' | 'mkfifo' | 'git';

const WIN = process.platform === 'win32';

/** The Python the helpers' .py scripts run under: WG_PYTHON, else python3 (python on Windows, where setup-python names it so). */
export const PYTHON = process.env.WG_PYTHON || (WIN ? 'python' : 'python3');
/** Debian's nginx (WG_NGINX overrides); on other systems whatever `nginx` PATH finds. */
export const NGINX = process.env.WG_NGINX || (process.platform === 'linux' ? '/usr/sbin/nginx' : 'nginx');
/** The foreign S3 client: Debian's AWS CLI v1 (WG_AWS overrides), else `aws` on PATH. */
export const AWS = process.env.WG_AWS || (process.platform === 'linux' ? '/usr/bin/aws' : 'aws');
/** twine, the uploader (WG_TWINE overrides). */
export const TWINE = process.env.WG_TWINE || (process.platform === 'linux' ? '/usr/bin/twine' : 'twine');

const COMMAND: Record<Tool, string> = {
  python: PYTHON,
  sha256sum: 'sha256sum',
  openssl: 'openssl',
  nginx: NGINX,
  curl: 'curl',
  aws: AWS,
  rclone: 'rclone',
  twine: TWINE,
  mkfifo: 'mkfifo',
  git: 'git',
};

/** What to install, said when a tool is missing. */
export const HOW: Record<Tool, string> = {
  python: 'Python 3 (apt-get install python3; set WG_PYTHON to use another)',
  sha256sum: 'GNU coreutils (apt-get install coreutils; brew install coreutils; Git for Windows has it)',
  openssl: 'the openssl command line (apt-get install openssl)',
  nginx: 'nginx (apt-get install nginx; brew install nginx; set WG_NGINX to use another)',
  curl: 'curl (apt-get install curl)',
  aws: 'the AWS CLI (apt-get install awscli; set WG_AWS to use another)',
  rclone: 'rclone (apt-get install rclone; brew install rclone)',
  twine: 'twine (apt-get install twine; pip install twine; set WG_TWINE to use another)',
  mkfifo: 'a POSIX system (named pipes)',
  git: 'git',
};

const hidden = new Set((process.env.WG_HIDE_TOOLS ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const found = new Map<Tool, string | undefined>();

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `command` as PATH would find it (PATHEXT on Windows), or undefined. */
export function which(command: string): string | undefined {
  if (isAbsolute(command) || command.includes('/') || command.includes('\\')) return isFile(command) ? command : undefined;
  const extensions = WIN ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean)] : [''];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = join(dir, command + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Where `tool` is, or undefined when this machine lacks it (or WG_HIDE_TOOLS names it). */
export function toolPath(tool: Tool): string | undefined {
  if (hidden.has(tool)) return undefined;
  if (!found.has(tool)) {
    let path = tool === 'mkfifo' && WIN ? undefined : which(COMMAND[tool]);
    // Windows' "python3" may be the Microsoft Store's stand-in that opens the store: ask it for its version.
    if (path && tool === 'python' && spawnSync(path, ['-c', 'import sys; assert sys.version_info >= (3, 9)'], { stdio: 'ignore' }).status !== 0) path = undefined;
    found.set(tool, path);
  }
  return found.get(tool);
}

/** True when scripts/test.sh asked for every tool (nothing may skip). */
export const ALL_TOOLS = process.env.WG_ALL_TOOLS === '1';

/**
 * For `describe.skipIf(lacks(...))` / `it.skipIf(lacks(...))`: a reason to
 * skip ("needs nginx (…)") when a tool is missing and skipping is allowed,
 * else false. Under WG_ALL_TOOLS=1 it is always false: the test runs and
 * fails on the missing tool, whose name the failure carries.
 */
export function lacks(...tools: Tool[]): string | false {
  const missing = tools.filter((t) => !toolPath(t) && !(t === 'sha256sum' && shasum()));
  if (missing.length === 0 || ALL_TOOLS) return false;
  const reason = `needs ${missing.map((t) => HOW[t]).join('; ')}`;
  if (!skipped.has(reason)) {
    skipped.add(reason);
    // Said once per test file (each runs in its own worker), where vitest shows a file's output.
    console.warn(`skipping tests here: ${reason}`);
  }
  return reason;
}

/** True on Windows: for tests of what only a POSIX system has (named pipes, modes, signals, `sh`). */
export const NOT_POSIX = WIN;

const skipped = new Set<string>();

/** Perl's `shasum` (macOS has it where GNU sha256sum is missing); WG_HIDE_TOOLS=shasum hides it too. */
function shasum(): string | undefined {
  return hidden.has('shasum') ? undefined : which('shasum');
}

/** Runs sha256sum with `args` in `cwd` (the GNU tool; `shasum -a 256` where only that exists, as on macOS). */
export function sha256sum(args: string[], cwd: string): { stdout: string; stderr: string; status: number | null } {
  const own = toolPath('sha256sum');
  const perl = own ? undefined : shasum();
  const [command, prefix] = own ? [own, []] : perl ? [perl, ['-a', '256']] : [COMMAND.sha256sum, []];
  const result = spawnSync(command, [...prefix, ...args], { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run sha256sum: install ${HOW.sha256sum} (${result.error.message})`);
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** `sha256sum -c` in `cwd`; throws with its output unless every line says OK. Returns stdout. */
export function sha256sumCheck(cwd: string, ...args: string[]): string {
  const result = sha256sum(['-c', ...args], cwd);
  if (result.status !== 0) throw new Error(`sha256sum -c ${args.join(' ')} in ${cwd} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** `sha256sum -- NAMES > FILE` in `dir`; returns the text written. */
export function sha256sumTo(dir: string, names: string[], file: string): string {
  const result = sha256sum(['--', ...names], dir);
  if (result.status !== 0) throw new Error(`sha256sum -- ${names.join(' ')} in ${dir} exited ${result.status}: ${result.stderr}`);
  writeFileSync(join(dir, file), result.stdout);
  return result.stdout;
}

/** `sha256sum NAME > NAME.sha256` in `dir`, as a user would write a sidecar by hand. */
export function sha256sumSidecar(dir: string, name: string): void {
  sha256sumTo(dir, [name], `${name}.sha256`);
}

/** `for s in *.sha256; do sha256sum -c "$s"; done` in `dir`: every sidecar checked, stdout of all. */
export function sha256sumCheckSidecars(dir: string, names: string[]): string {
  return names.filter((n) => n.endsWith('.sha256')).sort().map((s) => sha256sumCheck(dir, s)).join('');
}

/** The PID of a process that has exited (a Node child run to its end). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not run a child process');
  return child.pid;
}

/** A named pipe at `path` (POSIX only: the caller skips on Windows). */
export function mkfifo(path: string): void {
  const result = spawnSync(toolPath('mkfifo') ?? 'mkfifo', [path], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mkfifo ${path} failed: ${result.error?.message ?? result.stderr}`);
  if (!existsSync(path)) throw new Error(`mkfifo made no ${path}`);
}

/**
 * Python's os.devnull, which pip compares PIP_CONFIG_FILE with to read no
 * configuration file at all: `nul` on Windows, where Node's devNull
 * (`\\.\nul`) would not match and pip would read the machine's pip.ini.
 */
const PYTHON_DEVNULL = WIN ? 'nul' : '/dev/null';

/**
 * The environment for this machine's pip cut off from its configuration
 * (pip.conf here adds a mirror, find-links and constraints): no PIP_*
 * variable of this process, no configuration file, no prompts, no version
 * check. pip then reads only what its arguments name.
 */
export function pipEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PIP_')));
  return { ...env, PIP_CONFIG_FILE: PYTHON_DEVNULL, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
}

/**
 * Runs the openssl command line with `args`; throws with its stderr when it
 * fails. MSYS path conversion is turned off for it: Git for Windows' MSYS
 * openssl would otherwise rewrite an argument such as `-subj /CN=…` into a
 * Windows path (the variables mean nothing to any other openssl).
 */
export function openssl(args: string[]): void {
  const result = spawnSync(toolPath('openssl') ?? COMMAND.openssl, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MSYS_NO_PATHCONV: '1', MSYS2_ARG_CONV_EXCL: '*' },
  });
  if (result.error) throw new Error(`cannot run openssl: install ${HOW.openssl} (${result.error.message})`);
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
}
