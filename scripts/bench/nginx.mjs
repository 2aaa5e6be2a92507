/**
 * Debian's nginx for the bench's web-address line: one unprivileged
 * instance on 127.0.0.1 and a free port, its configuration, pid, logs and
 * temp paths in a directory of its own, serving `root` with autoindex on (the
 * directory listing wheel-guard reads, with the sidecars beside the wheels).
 * The same server the e2e suite starts (__tests__/helpers/nginx.ts), without
 * the tests' access log, so that logging costs nothing here.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const NGINX = process.env.WG_NGINX || '/usr/sbin/nginx';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** nginx's version line, or undefined when it is not installed. */
export async function nginxVersion() {
  if (!existsSync(NGINX)) return undefined;
  return new Promise((resolve) => {
    const child = spawn(NGINX, ['-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (chunk) => (text += chunk));
    child.on('error', () => resolve(undefined));
    child.on('close', () => resolve(text.trim().replace(/^nginx version: /, '')));
  });
}

/** Starts nginx serving `root` (autoindex on); returns { endpoint, stop }. `prefix` is a scratch directory of its own. */
export async function startNginx(root, prefix) {
  if (!existsSync(NGINX)) throw new Error(`nginx is not installed at ${NGINX} (Debian package "nginx")`);
  await mkdir(prefix, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = `daemon off;
master_process on;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')};
events { worker_connections 512; }
http {
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  access_log off;
  types { text/html html; text/plain txt; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  gzip on;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    autoindex on;
    absolute_redirect off;
  }
}
`;
    await writeFile(join(prefix, 'nginx.conf'), conf);
    await writeFile(join(prefix, 'error.log'), '');
    // Stopped when this process's end of its stdin closes (the bench dies: no nginx left behind).
    const wrapper = 'exec 3<&0; "$@" </dev/null & pid=$!; { cat <&3 >/dev/null; kill -TERM "$pid" 2>/dev/null; } & exec 3<&-; wait "$pid"';
    const child = spawn('sh', ['-c', wrapper, 'wg-nginx', NGINX, '-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(prefix, 'nginx.conf')], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    let exited = false;
    const exit = new Promise((resolve) => child.once('exit', () => ((exited = true), resolve())));
    const started = Date.now();
    while (!exited && !(await accepts(port)) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 25));
    if (exited || Date.now() - started >= 10_000) {
      child.stdin.end();
      await exit;
      const log = await readFile(join(prefix, 'error.log'), 'utf8').catch(() => '');
      if (/Address already in use/.test(log) && attempt < 5) continue;
      throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${log}`);
    }
    return {
      endpoint: `http://127.0.0.1:${port}`,
      /** The nginx processes' CPU seconds so far (master and worker, from /proc), undefined off Linux. */
      async cpuSeconds() {
        try {
          const master = Number((await readFile(join(prefix, 'nginx.pid'), 'utf8')).trim());
          const children = (await readFile(`/proc/${master}/task/${master}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
          let ticks = 0;
          for (const pid of [master, ...children]) {
            const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
            ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
          }
          return ticks / 100;
        } catch {
          return undefined;
        }
      },
      async stop() {
        if (!exited) {
          child.stdin.end();
          await exit;
        }
        await rm(prefix, { recursive: true, force: true });
      },
    };
  }
}
