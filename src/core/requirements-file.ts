/**
 * The `requirements` input (collect; CLI `--requirements` for collect and
 * verify): where the file goes, checked before any work, and writing it once
 * the run is done: whole (a temporary file renamed over it), with the
 * verified files only, and only when the run has no problem at all.
 */
import { lstatSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, messageOf } from './errors.js';
import { renameOver, temporaryName } from './files.js';
import { type InputGetter, Inputs, isInside, samePath } from './inputs.js';
import { type Reporter, type RunResult, verifiedFiles } from './report.js';
import { requirementsText } from './requirements.js';

/** Where the requirements file goes. */
export interface RequirementsTarget {
  /** The absolute path written. */
  path: string;
  /** As given (relative to the working directory): how the file's header and the messages name it. */
  given: string;
}

/**
 * The `requirements` input, resolved against `cwd`, or undefined when empty
 * (off). Refused, as `sha256sums` is, inside the distribution directory
 * (`twine upload dist/*` would try to upload it); refused where it would
 * overwrite another file of the run (`others`: input name → absolute path,
 * e.g. the `sha256sums` written, the `digests` read) or where a directory is.
 */
export function getRequirementsTarget(get: InputGetter, options: { cwd: string; distDir?: string; others?: Record<string, string | undefined> }): RequirementsTarget | undefined {
  const given = get(Inputs.Requirements).trim();
  if (given === '') return undefined;
  const path = resolve(options.cwd, given);
  const name = Inputs.Requirements;
  if (options.distDir !== undefined && isInside(path, resolve(options.cwd, options.distDir))) {
    throw new InputError(`${name}: ${path} is inside ${options.distDir}; twine upload would try to upload it there, write it elsewhere (e.g. requirements.txt in the working directory)`);
  }
  for (const [other, otherPath] of Object.entries(options.others ?? {})) {
    if (otherPath !== undefined && samePath(resolve(options.cwd, otherPath), path)) {
      throw new InputError(`${name}: ${path} is also the ${other} file of this run; give the requirements file a name of its own (e.g. requirements.txt)`);
    }
  }
  if (lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new InputError(`${name}: ${path} is a directory; give the path of the file to write (e.g. ${join(given, 'requirements.txt')})`);
  }
  return { path, given };
}

/** Writes `text` to `path` whole or not at all: a temporary file beside it, renamed over it. */
async function writeWhole(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), temporaryName(basename(path)));
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await renameOver(temp, path, path);
  } catch (error: unknown) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Once a run is done: writes the requirements file of its verified files
 * and sets `result.requirements`, or says in the log why not. Never written
 * for a run with a problem (it must never pin a file that did not verify,
 * nor leave out one that should be there); what keeps it from being written
 * (two versions of one project, a name no requirement can hold, a failed
 * write) becomes a problem of the run.
 */
export async function finishRequirements(
  result: RunResult,
  target: RequirementsTarget,
  context: { command: string; findLinks?: string },
  reporter: Reporter,
): Promise<void> {
  const shown = target.given;
  if (result.problems.length > 0) {
    reporter.info(`requirements: ${shown} not written: this run has ${result.problems.length} problem(s), and it pins only a run whose every file verified; fix them and run again`);
    return;
  }
  const files = verifiedFiles(result);
  if (files.length === 0) {
    reporter.info(`requirements: ${shown} not written: no file was verified`);
    return;
  }
  const { text, problems, lines } = requirementsText(files, { command: context.command, file: shown, ...(context.findLinks !== undefined ? { findLinks: context.findLinks } : {}) });
  if (text === undefined) {
    result.problems.push(...problems);
    return;
  }
  try {
    await writeWhole(target.path, text);
  } catch (error: unknown) {
    result.problems.push({ message: `requirements: ${shown} could not be written (${messageOf(error)}); give a path in a writable directory` });
    return;
  }
  result.requirements = target.path;
  reporter.info(`requirements: wrote ${shown}: ${lines} line(s) pinning ${files.length} file(s) by sha256`);
}
