/** Loading what only some runs need (see scripts/build.mjs: a light start). */

/**
 * A dynamically imported module's exports, found by one it must have. The
 * bundle keeps the SDK's CommonJS build, whose exports a bundled `import()`
 * may put under `default`.
 */
export function exportsOf<T extends object>(module: T, name: keyof T): T {
  if ((module as Record<PropertyKey, unknown>)[name as PropertyKey] !== undefined) return module;
  return (module as { default?: T }).default ?? module;
}
