/** The absolute paths of `entry` and every file it imports statically, transitively. */
export function staticImports(entry: string, seen?: Set<string>): Set<string>;
