/**
 * The `index` input (collect; the CLI's `wheel-guard index DIR --output DIR
 * | --container URL`): where a PEP 503/691 simple index of the run's
 * verified files goes, checked before any work, and writing it once the run
 * is done and every file verified. The pages are simple-index.ts.
 *
 * One writer owns an index: the release job (post-build refuses the input).
 * The index root is a directory or a container folder (a directory path,
 * file://, s3://, azure://); it receives a copy of each verified file (not
 * when it is the very directory or container the files were verified in),
 * each wheel's FILE.metadata, then the project pages, then the root pages,
 * last. Every file goes through a container's `write` (a directory's: a
 * temporary file renamed into place; S3 and Azure: one object, whole or not
 * at all) and is read back and hashed (transfer.ts verifyRemote), so a
 * reader never sees half a page, and a page never links a file that is not
 * there yet.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Container } from '../containers/container.js';
import { openContainer } from '../containers/index.js';
import { InputError, messageOf } from './errors.js';
import { getBoolean, getInteger, type InputGetter, Inputs, isInside, samePath } from './inputs.js';
import { runPool } from './pool.js';
import { fileProblem, type Problem, type Reporter, type RunResult, verifiedFiles } from './report.js';
import { retry } from './retry.js';
import {
  byProject,
  describeFile,
  HTML_TYPE,
  type IndexedFile,
  JSON_TYPE,
  METADATA_SUFFIX,
  METADATA_TYPE,
  projectHtml,
  projectJson,
  rootHtml,
  rootJson,
  SIMPLE,
} from './simple-index.js';
import { countedRetry, type TransferRetry, verifyRemote } from './transfer.js';
import { quote } from './untrusted.js';

/** The name of the input (and of the action output: the address of `simple/`). */
export const INDEX_INPUT = Inputs.Index;

/** Where the index goes. */
export interface IndexTarget {
  /** As given, for messages. */
  given: string;
  /** The index root as a container (its `url` never holds a secret). */
  root: Container;
  /** The index root's absolute path, when it is a directory. */
  dir?: string;
  /** The container of a folder under the root (`simple`, `simple/NAME`). */
  folder(...segments: string[]): Container;
  /** Where `simple/` is, for the output and messages: a path or a container URL. */
  simple: string;
  /** Lets every container opened for the index finish (removing its temporary files). */
  finish(): Promise<void>;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** Settings for an s3:// or azure:// index root, from the same inputs as the `container`'s. */
function settingsFrom(get: InputGetter): Parameters<typeof openContainer>[2] {
  const endpoint = get(Inputs.Endpoint).trim();
  if (endpoint !== '' && !/^https?:\/\/[^/]+/i.test(endpoint)) throw new InputError(`${Inputs.Endpoint}: "${endpoint}" is not an http(s) URL`);
  const region = get(Inputs.Region).trim();
  const pathStyle = get(Inputs.PathStyle).trim() === '' ? undefined : getBoolean(get, Inputs.PathStyle, false);
  const sasToken = get(Inputs.SasToken).trim();
  const idleTimeoutMs = getInteger(get, Inputs.Timeout, 30, 1, 3600) * 1000;
  return {
    s3: { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}), ...(pathStyle !== undefined ? { pathStyle } : {}), idleTimeoutMs },
    azure: { ...(endpoint ? { endpoint } : {}), ...(sasToken ? { sasToken } : {}), idleTimeoutMs },
  };
}

/**
 * The `index` input (or the CLI's --output / --container), opened, or
 * undefined when empty. Refused: a web address (read-only), an artifact
 * (nothing serves it), a SAS token in the address (give it as sas-token,
 * where it is masked), and a directory that is or is inside `distDir` (the
 * distributions twine uploads: simple/ and the .metadata files would go
 * with them) unless `inPlace` says that directory may be indexed in place.
 */
export function getIndexTarget(
  get: InputGetter,
  options: { cwd: string; distDir?: string; inPlace?: string; name?: string; value?: string },
): IndexTarget | undefined {
  const name = options.name ?? INDEX_INPUT;
  const given = (options.value ?? get(INDEX_INPUT)).trim();
  if (given === '') return undefined;
  const scheme = SCHEME.exec(given)?.[1]?.toLowerCase();
  if (scheme === 'artifact') {
    throw new InputError(`${name}: ${given} is an Actions artifact, which no web server serves; write the index to a directory (then upload it as a site) or to an s3:// or azure:// container`);
  }
  let dir: string | undefined;
  if (scheme === undefined) dir = resolve(options.cwd, given);
  else if (scheme === 'file') {
    try {
      dir = fileURLToPath(given);
    } catch (error: unknown) {
      throw new InputError(`${name}: ${given} is not a valid file:// URL (${messageOf(error)}); use file:///absolute/path`);
    }
  }
  if (dir !== undefined) {
    const distDir = options.distDir === undefined ? undefined : resolve(options.cwd, options.distDir);
    const inPlace = options.inPlace === undefined ? undefined : resolve(options.cwd, options.inPlace);
    if (distDir !== undefined && dir !== inPlace && isInside(dir, distDir)) {
      throw new InputError(
        `${name}: ${dir} is inside ${options.distDir}, the directory of distributions; twine upload would pick up simple/ and the .metadata files there: give the index a directory of its own (the verified files are copied into it)`,
      );
    }
    const info = lstatSync(dir, { throwIfNoEntry: false });
    if (info && !info.isDirectory()) throw new InputError(`${name}: ${dir} is ${info.isSymbolicLink() ? 'a symbolic link' : 'a file'}, not a directory; give the directory to write the index into`);
  }
  // Before the address is opened or shown anywhere: a SAS token there would not be masked.
  if (/^https?:\/\/[^?#]*\?/i.test(given)) {
    throw new InputError(`${name}: the address carries a query (a SAS token?); give the token as ${Inputs.SasToken} or AZURE_STORAGE_SAS_TOKEN, where it is masked, and the address without it`);
  }
  const settings = settingsFrom(get);
  const root = openContainer(dir ?? given, options.cwd, settings);
  if (root.readOnly) {
    throw new InputError(`${name}: ${root.url} is a web address, which nothing can be written to; give a directory (served by your web server) or an s3:// or azure:// container`);
  }
  const child = (segments: string[]): string => {
    if (dir !== undefined) return join(dir, ...segments);
    if (/^https?:/i.test(given)) {
      const url = new URL(given);
      url.pathname = `${url.pathname.replace(/\/+$/, '')}/${segments.join('/')}`;
      return url.toString();
    }
    return `${given.replace(/\/+$/, '')}/${segments.join('/')}`;
  };
  const folders = new Map<string, Container>();
  return {
    given,
    root,
    ...(dir !== undefined ? { dir } : {}),
    folder(...segments) {
      const key = segments.join('/');
      let container = folders.get(key);
      if (!container) folders.set(key, (container = openContainer(child(segments), options.cwd, settings)));
      return container;
    },
    simple: dir !== undefined ? join(dir, SIMPLE) : `${root.url.replace(/\/?$/, '/')}${SIMPLE}/`,
    async finish() {
      for (const container of [root, ...folders.values()]) await container.finish?.();
    },
  };
}

/** How the index is written. */
export interface IndexOptions {
  /** The command, for messages: collect, index. */
  command: string;
  /** The directory the verified files are in. */
  fromDir: string;
  /** The container the files were verified in, if any: an index rooted there gets no copies. */
  sourceUrl?: string;
  retries: number;
  concurrency: number;
}

/**
 * Once a run is done: writes the index of its verified files and sets
 * `result.index`, or says in the log why not. Never written for a run with
 * a problem (an index lists what verified, all of it); what keeps it from
 * being written (a file no index can list, a failed write) becomes a
 * problem of the run.
 */
export async function finishIndex(result: RunResult & { index?: string }, target: IndexTarget, options: IndexOptions, reporter: Reporter): Promise<void> {
  if (result.problems.length > 0) {
    reporter.info(`index: ${target.given} not written: this run has ${result.problems.length} problem(s), and an index lists only a run whose every file verified; fix them and run again`);
    return;
  }
  const verified = verifiedFiles(result);
  if (verified.length === 0) {
    reporter.info(`index: ${target.given} not written: no file verified`);
    return;
  }
  const problems: Problem[] = [];
  const described: IndexedFile[] = [];
  // Every file described (its project, a wheel's METADATA) before a byte is written: one that cannot be listed stops the index.
  await runPool(verified, options.concurrency, async (file) => {
    try {
      described.push(await describeFile(join(options.fromDir, file.name), file));
    } catch (error: unknown) {
      problems.push(fileProblem(file.name, error, join(options.fromDir, file.name)));
    }
  });
  if (problems.length === 0) {
    try {
      result.index = await writeIndex(target, described, options, reporter);
    } catch (error: unknown) {
      problems.push({ message: `index: writing ${target.simple} failed: ${messageOf(error)}; simple/index.html, written last, still lists what it listed before: run ${options.command} again` });
    }
  }
  if (problems.length > 0) {
    result.problems.push(...problems);
    reporter.info(`index: ${target.given} not written (or not whole), see the problems`);
  }
}

/** Writes `bytes` as `name` in `container`, reads it back and hashes it; retried as transfers are. */
async function put(container: Container, name: string, bytes: Buffer, contentType: string, retryOptions: TransferRetry): Promise<void> {
  const digest = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  await retry(async () => {
    await container.write(name, Readable.from([bytes]), { ...digest, contentType });
    await verifyRemote(container, name, digest);
  }, retryOptions);
}

/** Copies a verified file into the index root, read back and hashed: the bytes that verified, or an error. */
async function copy(container: Container, file: IndexedFile, from: string, retryOptions: TransferRetry, reporter: Reporter): Promise<void> {
  const digest = { sha256: file.sha256, size: file.size };
  const onProgress = (bytes: number): void => reporter.progress(file.name, bytes, file.size);
  await retry(async () => {
    if (container.writeFile) await container.writeFile(file.name, from, { ...digest, onProgress });
    else await container.write(file.name, createReadStream(from), digest);
    await verifyRemote(container, file.name, digest);
  }, retryOptions);
}

/**
 * Writes the index: the files (unless the root is where they were
 * verified), the .metadata files, each project's pages, then the root's.
 * Returns where `simple/` is.
 */
export async function writeIndex(target: IndexTarget, files: readonly IndexedFile[], options: IndexOptions, reporter: Reporter): Promise<string> {
  const { options: retryOptions } = countedRetry(options.retries, reporter);
  const projects = byProject(files);
  const inPlace = target.dir !== undefined ? samePath(resolve(options.fromDir), target.dir) : options.sourceUrl !== undefined && options.sourceUrl === target.root.url;
  try {
    if (!inPlace) {
      await runPool(files, options.concurrency, (file) => copy(target.root, file, join(options.fromDir, file.name), retryOptions, reporter));
    }
    const wheels = files.filter((file) => file.metadata);
    await runPool(wheels, options.concurrency, (file) => put(target.root, `${file.name}${METADATA_SUFFIX}`, file.metadata!.bytes, METADATA_TYPE, retryOptions));
    await runPool([...projects], options.concurrency, async ([project, listed]) => {
      const folder = target.folder(SIMPLE, project);
      await put(folder, 'index.json', Buffer.from(projectJson(project, listed)), JSON_TYPE, retryOptions);
      await put(folder, 'index.html', Buffer.from(projectHtml(project, listed)), HTML_TYPE, retryOptions);
    });
    // Last: the root page names the projects once their pages are there.
    const names = [...projects.keys()];
    const simple = target.folder(SIMPLE);
    await put(simple, 'index.json', Buffer.from(rootJson(names)), JSON_TYPE, retryOptions);
    await put(simple, 'index.html', Buffer.from(rootHtml(names)), HTML_TYPE, retryOptions);
  } finally {
    await target.finish();
  }
  reporter.info(
    `index: ${projects.size} project(s), ${files.length} file(s) in ${target.simple}` +
      (inPlace ? ` (the files stay where they were verified, ${target.dir ?? target.root.url})` : `, the files copied to ${target.dir ?? target.root.url}`),
  );
  if (target.dir !== undefined) await warnAboutOthers(target, new Set(projects.keys()), reporter);
  return target.simple;
}

/** Warns about project folders in a directory's simple/ that this run did not write: reachable, but the root page does not list them. */
async function warnAboutOthers(target: IndexTarget, written: Set<string>, reporter: Reporter): Promise<void> {
  const entries = await readdir(join(target.dir!, SIMPLE), { withFileTypes: true }).catch(() => []);
  const others = entries.filter((entry) => entry.isDirectory() && !written.has(entry.name)).map((entry) => quote(entry.name));
  if (others.length === 0) return;
  const shown = others.slice(0, 20).join(', ') + (others.length > 20 ? ` and ${others.length - 20} more` : '');
  reporter.warning(
    `index: ${target.simple} also holds ${shown}, from an earlier run: simple/index.html no longer lists them, but their pages still answer; write each release's index to a directory of its own, or remove them`,
  );
}
