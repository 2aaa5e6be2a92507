/**
 * A real web server for tests that answers no ranges at all: Python's
 * `python3 -m http.server --bind 127.0.0.1 0 --directory DIR`, which binds a
 * port the kernel chooses and says which on its first line. It serves
 * directory listings (`<a href>` with names percent-encoded by
 * urllib.parse.quote), a directory's index.html in its place, Last-Modified
 * but no ETag, HTTP/1.0 (one request per connection), and answers a
 * `Range:` request with the whole file and 200.
 *
 * Its request log (stderr, one line per request) is kept. The child exits
 * when its stdin closes (a small launcher around http.server's own main), so
 * a test process that dies without calling stop() leaves no server behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { PYTHON } from './tools.js';

export interface PythonHttpServer {
  endpoint: string;
  port: number;
  /** The request lines logged so far, e.g. `"GET /wheels/x.whl HTTP/1.1" 200 -`. */
  requests(): string[];
  stop(): Promise<void>;
}

/**
 * Runs `python -m http.server` as its own __main__ (runpy), after starting a
 * thread that ends the process when stdin reaches end of file.
 */
const LAUNCHER = `
import os, runpy, sys, threading
def watch():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ['http.server'] + sys.argv[1:]
runpy.run_module('http.server', run_name='__main__', alter_sys=True)
`;

export async function startPythonHttpServer(directory: string): Promise<PythonHttpServer> {
  const child: ChildProcess = spawn(PYTHON, ['-u', '-c', LAUNCHER, '--bind', '127.0.0.1', '--directory', directory, '0'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${PYTHON} -m http.server did not say its port within 10 s:\n${stdout}${stderr}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Serving HTTP on \S+ port (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${PYTHON} (install Python 3, or set WG_PYTHON; bash .ci/run installs it): ${error.message}`));
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${PYTHON} -m http.server exited (${code}) before serving:\n${stdout}${stderr}`));
    });
  });
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests: () =>
      stderr
        .split('\n')
        .map((line) => /"([A-Z]+ \S+ HTTP\/[\d.]+)" (\d{3})/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `"${m[1]}" ${m[2]}`),
    async stop() {
      if (stopped) return;
      stopped = true;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
