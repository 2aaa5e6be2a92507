// What a bundle loads before its first line runs: the file and its static imports, transitively
// (`import … from "./x.js"`, `export … from "./x.js"`, `import "./x.js"`; never `import("./x.js")`).
// Used by the bench (the start-up's bytes) and by __tests__/e2e/light-start.test.ts.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const STATIC_IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;('"]*?(?:from\s*)?["'](\.{1,2}\/[^"']+)["']/g;

/** The absolute paths of `entry` and every file it imports statically, transitively. */
export function staticImports(entry, seen = new Set()) {
  const file = resolve(entry);
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) staticImports(resolve(dirname(file), spec), seen);
  return seen;
}
