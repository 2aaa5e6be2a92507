// Bundles every entry point into dist/<entry>/index.js (ESM, one file each).
import { build } from 'esbuild';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

const entries = {
  index: 'src/main/index.ts',
  'post-build/index': 'src/post-build/index.ts',
  'collect/index': 'src/collect/index.ts',
  'cli/index': 'src/cli/index.ts',
  // The worker threads of core/check-pool.ts, found beside the bundle that starts them.
  'worker/index': 'src/worker/index.ts',
};

/**
 * @actions/core imports its OIDC client (for getIDToken) at the top, and with it @actions/http-client
 * and undici: 0.8 MB that every run would parse, for a token no run here asks for yet. This plugin
 * puts a stand-in there whose getIDToken imports the real client (a chunk of its own) when called.
 */
const lazyOidc = {
  name: 'lazy-actions-core-oidc',
  setup(b) {
    const OIDC = /[\\/]@actions[\\/]core[\\/]lib[\\/]oidc-utils\.js$/;
    // namespace 'file' only: the real module (namespace wg-real-oidc) has the same path and must not get the stand-in again.
    b.onLoad({ filter: OIDC, namespace: 'file' }, (args) => ({
      contents:
        `export class OidcClient {\n` +
        `  static async getIDToken(audience) {\n` +
        // The path relative to the checkout: esbuild names the module in a comment, and dist/ must not depend on where it was built.
        `    const { OidcClient: Real } = await import(${JSON.stringify(`wg-real-oidc:${relative(process.cwd(), args.path)}`)});\n` +
        `    return Real.getIDToken(audience);\n` +
        `  }\n` +
        `}\n`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^wg-real-oidc:/ }, (args) => ({ path: args.path.slice('wg-real-oidc:'.length), namespace: 'wg-real-oidc' }));
    b.onLoad({ filter: /.*/, namespace: 'wg-real-oidc' }, (args) => {
      const path = resolve(process.cwd(), args.path);
      return { contents: readFileSync(path, 'utf8'), resolveDir: dirname(path), loader: 'js' };
    });
  },
};

// Built beside dist/ and swapped in, so a test running the bundles never finds dist/ half written.
const next = `dist.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: next,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // A light start: what only some runs need (the AWS SDK, @actions/artifact, unzip-stream) is imported
  // dynamically and lands in its own chunk, parsed only by a run that opens such a container. Chunks sit
  // one level under dist/, as the entry bundles do, so import.meta.url-relative paths (samples/, the
  // worker bundle) resolve the same from either.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // @actions/* pull in CommonJS code that calls require('net') and friends.
  // (aliased: some bundled ESM dependencies import createRequire themselves)
  banner: { js: "import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);" },
  legalComments: 'none',
  define: { 'process.env.WHEEL_GUARD_VERSION': JSON.stringify(pkg.version) },
  logLevel: 'warning',
  plugins: [lazyOidc],
});
const old = `dist.old-${process.pid}`;
try {
  renameSync('dist', old);
} catch {
  // no dist/ yet
}
renameSync(next, 'dist');
rmSync(old, { recursive: true, force: true });
