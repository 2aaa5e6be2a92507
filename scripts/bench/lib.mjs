/**
 * The bench's plumbing: running a child asynchronously (s3rver answers from
 * this very process, so nothing here may block the event loop), timing it
 * under GNU time for CPU seconds and peak RSS, medians and spreads, and what
 * the machine and its tools are.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';

/** Bytes kept of a child's stdout/stderr (the tail), enough for an error message. */
const KEEP = 64 * 1024;

/**
 * Runs a command to its end without blocking; resolves with its exit code and
 * the tail of its output. Rejects only if it cannot start or runs past `timeoutMs`.
 */
export function run(cmd, args, { env = process.env, cwd, input, timeoutMs = 30 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const keep = (text, chunk) => (text + chunk).slice(-KEEP);
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout = keep(stdout, chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = keep(stderr, chunk)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: still running after ${timeoutMs / 1000} s, killed`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/** Runs a command and throws with its output unless it exits 0. */
export async function runOk(cmd, args, options) {
  const result = await run(cmd, args, options);
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
  }
  return result;
}

/** Output of a command, or undefined if it cannot run (a version probe). */
export async function probe(cmd, args, options) {
  try {
    const result = await run(cmd, args, { timeoutMs: 60_000, ...options });
    return result.code === 0 ? (result.stdout + result.stderr).trim() : undefined;
  } catch {
    return undefined;
  }
}

export const GNU_TIME = '/usr/bin/time';

/** Clock ticks per second of /proc/stat (USER_HZ: 100 on every Linux build in use). */
const USER_HZ = 100;

/** CPU seconds the whole machine has spent busy so far (/proc/stat), undefined off Linux. */
export function machineBusy() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal || 0)) / USER_HZ;
  } catch {
    return undefined;
  }
}

/**
 * Times one run of a command: wall seconds (measured here, around the
 * spawn), user and system CPU seconds and peak RSS (GNU time, which counts
 * the children the command waited for). Throws unless it exits 0: a failed
 * run is never timed as if it were a result.
 */
export async function measure(cmd, args, { env, cwd, input, scratch, timeoutMs } = {}) {
  const out = join(scratch, `time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const busyBefore = machineBusy();
  const selfBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = await run(GNU_TIME, ['-f', '%U %S %M', '-o', out, '--', cmd, ...args], { env, cwd, input, timeoutMs });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const self = process.cpuUsage(selfBefore);
  const busyAfter = machineBusy();
  const text = existsSync(out) ? await readFile(out, 'utf8') : '';
  await rm(out, { force: true });
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}\n${text}\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
  }
  const last = text.trim().split('\n').pop() ?? '';
  const [user, sys, rssKb] = last.split(/\s+/).map(Number);
  // This process's CPU meanwhile: s3rver answering the command (and the bench's own bookkeeping).
  const server = (self.user + self.system) / 1e6;
  // Everything else the machine did meanwhile: other people's processes (a shared runner).
  const others = busyBefore === undefined ? undefined : Math.max(0, busyAfter - busyBefore - (user + sys) - server);
  return { wall, user, sys, cpu: user + sys, rss: rssKb * 1024, server, others, stdout: result.stdout, stderr: result.stderr };
}

/** The median of numbers (mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min and max of one field over a list of samples. */
export function summary(samples, field = 'wall') {
  const values = samples.map((sample) => sample[field]);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** sha256 of a file, hex (for recording which bundle was measured). */
export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** The first line matching `re` in a text, trimmed; '' if none. */
function line(text, re) {
  return (text ?? '').split('\n').find((l) => re.test(l))?.trim() ?? '';
}

/** The machine: CPU, cores, memory, OS, kernel, the file system the data sits on. */
export async function machine(dataDir) {
  const lscpu = await probe('lscpu', []);
  let cpu = line(lscpu, /^Model name:/).replace(/^Model name:\s*/, '');
  if (!cpu) cpu = os.cpus()[0]?.model ?? 'unknown';
  const hypervisor = line(lscpu, /^Hypervisor vendor:/).replace(/^Hypervisor vendor:\s*/, '');
  const flags = existsSync('/proc/cpuinfo') ? line(readFileSync('/proc/cpuinfo', 'utf8'), /^flags/) : '';
  let osName = `${os.type()} ${os.release()}`;
  if (existsSync('/etc/os-release')) {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) osName = pretty;
  }
  const df = await probe('df', ['-hT', dataDir]);
  const dfLine = df?.split('\n')[1]?.split(/\s+/) ?? [];
  return {
    cpu,
    hypervisor,
    shaExtensions: /\bsha_ni\b/.test(flags),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memory: os.totalmem(),
    os: osName,
    kernel: `${os.type()} ${os.release()} ${os.machine?.() ?? os.arch()}`,
    disk: dfLine.length > 2 ? `${dfLine[1]} on ${dfLine[0]} (${dfLine[2]}, ${dfLine[4]} free)` : 'unknown',
  };
}

/** Formats seconds for a table: three significant places, at least two decimals below 10 s. */
export function secs(value) {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Formats a byte count as MiB/GiB/KiB. */
export function bytes(value) {
  if (value >= 2 ** 30) return `${+(value / 2 ** 30).toFixed(2)} GiB`;
  if (value >= 2 ** 20) return `${+(value / 2 ** 20).toFixed(1)} MiB`;
  return `${+(value / 2 ** 10).toFixed(0)} KiB`;
}

/** MiB with no decimals (peak RSS). */
export function mib(value) {
  return value === undefined || Number.isNaN(value) ? 'n/a' : `${(value / 2 ** 20).toFixed(0)} MiB`;
}

/** A ratio as `1.23×`. */
export function ratio(value) {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(2)}×`;
}
