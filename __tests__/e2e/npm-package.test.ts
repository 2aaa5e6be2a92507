/**
 * The npm package as a user gets it (issue 17 item 1): `npm pack`, then
 * `npm install -g` of the tarball into a temporary prefix, offline (the
 * package declares no dependency: dist/ bundles everything it runs), and
 * the installed `wheel-guard` runs post-build and collect; `npx wheel-guard`
 * works from a project that installed it. Under the Node the e2e suite runs
 * (WG_NODE: this machine's, then Node 24).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOT_POSIX } from '../helpers/tools.js';
import { NODE, ROOT, spawnCollect, WHEELS, workspace } from './harness.js';

const run = promisify(execFile);

/** An environment whose `node` is the suite's Node (npm and the bin shim run under it), npm quiet and offline. */
function env(prefix: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: [join(prefix, 'bin'), dirname(NODE), process.env.PATH].join(delimiter),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_cache: join(prefix, 'npm-cache'),
  };
}

/** Bytes under a directory (files only). */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

let work: string;
let tarball: string;

/**
 * On Windows npm and npx are .cmd scripts (run only through a shell, where these
 * arguments would need quoting), and a global prefix holds node_modules/ and the
 * command's shims at its top, not lib/node_modules/ and bin/.
 */
const NPM_ON_WINDOWS = NOT_POSIX && "npm's Windows layout (npm.cmd through a shell; a prefix without lib/ and bin/) is not the one walked here";

beforeAll(async () => {
  if (NPM_ON_WINDOWS) return;
  work = await workspace();
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env: env(work) });
  tarball = join(work, JSON.parse(stdout)[0].filename);
}, 120_000);

describe('the npm package', () => {
  it('declares no dependency: everything it runs is in dist/', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ 'wheel-guard': 'dist/cli/index.js' });
  });

  it.skipIf(NPM_ON_WINDOWS)('npm install -g of the tarball, offline: nothing else installed, under 15 MB; post-build and collect run from the installed command', async () => {
    const prefix = join(work, 'global');
    const started = performance.now();
    await run('npm', ['install', '-g', '--prefix', prefix, tarball], { cwd: work, env: env(prefix) });
    const seconds = (performance.now() - started) / 1000;
    const installed = join(prefix, 'lib', 'node_modules', 'wheel-guard');
    // Only the package itself: no node_modules inside it, nothing beside it.
    expect(await readdir(join(prefix, 'lib', 'node_modules'))).toEqual(['wheel-guard']);
    expect((await readdir(installed)).includes('node_modules')).toBe(false);
    const bytes = await bytesUnder(installed);
    expect(bytes).toBeLessThan(15 * 1024 * 1024);
    console.log(`npm install -g of the tarball: ${seconds.toFixed(1)} s, ${(bytes / 1e6).toFixed(1)} MB installed`);

    const bin = join(prefix, 'bin', 'wheel-guard');
    const help = await spawnCollect(bin, ['--help'], { cwd: work, env: env(prefix) });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('wheel-guard post-build');
    const version = await spawnCollect(bin, ['--version'], { cwd: work, env: env(prefix) });
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);

    const up = await spawnCollect(bin, ['post-build', '--container', 'parked', '--path', 'wheelhouse'], { cwd: work, env: env(prefix) });
    expect(up.stderr).not.toMatch(/error/i);
    expect(up.code).toBe(0);
    const down = await spawnCollect(bin, ['collect', '--container', 'parked', '--path', 'dist'], { cwd: work, env: env(prefix) });
    expect(down.code).toBe(0);
    expect((await readdir(join(work, 'dist'))).sort()).toEqual(WHEELS);
    // The worker threads and the shipped samples resolve from the installed copy: the demo runs there.
    const demo = await spawnCollect(bin, ['demo', '--path', join(work, 'demo')], { cwd: work, env: env(prefix) });
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain('Every wheel verified');
  });

  it.skipIf(NPM_ON_WINDOWS)('npx wheel-guard from a project that installed the tarball', async () => {
    const project = join(work, 'project');
    await mkdir(project);
    await run('npm', ['install', '--prefix', project, tarball], { cwd: project, env: env(project) });
    const npx = await spawnCollect(
      'npx',
      ['--offline', 'wheel-guard', 'post-build', '--container', join(work, 'parked-npx'), '--path', join(work, 'wheelhouse'), '--sha256sums', join(work, 'npx.SHA256SUMS')],
      { cwd: project, env: env(project) },
    );
    expect(npx.stderr).not.toMatch(/error/i);
    expect(npx.code).toBe(0);
    expect((await readdir(join(work, 'parked-npx'))).filter((name) => name.endsWith('.whl')).sort()).toEqual(WHEELS);
  });
});
