/**
 * `wheel-guard index DIR --output ROOT | --container URL`: verifies the
 * distributions in DIR in place, as `verify DIR` does (each against its
 * sidecar, or `--digests`; then the content check), and, only when every
 * one verified, writes a PEP 503/691 simple index of them (core/index-writer)
 * into ROOT or the container: a copy of each file, each wheel's
 * FILE.metadata, simple/NAME/index.html and index.json, simple/index.html
 * and index.json last. `--output DIR` (the same directory) indexes it in
 * place: no copies, only FILE.metadata and simple/ are added.
 */
import { InputError } from '../core/errors.js';
import { finishIndex, getIndexTarget } from '../core/index-writer.js';
import { DEFAULT_PATTERNS, getBoolean, getInteger, getList, type InputGetter, Inputs } from '../core/inputs.js';
import type { Reporter, RunResult } from '../core/report.js';
import { isContainerUrl, verifyDirectory } from './verify.js';

export interface IndexCommand {
  /** The directory of distributions to verify and index. */
  dir: string | undefined;
  /** --output: a directory; --container: a container URL. Exactly one. */
  output?: string;
  container?: string;
  digests?: string;
}

/** Runs `wheel-guard index`; never throws for a per-file problem. */
export async function indexCommand(command: IndexCommand, get: InputGetter, reporter: Reporter, cwd: string = process.cwd()): Promise<RunResult> {
  const { dir } = command;
  if (!dir) throw new InputError('index: give the directory of distributions to index, e.g. wheel-guard index dist --output site');
  if (isContainerUrl(dir)) {
    throw new InputError(`index: ${dir} is a container URL; collect it first (wheel-guard collect --container ${dir} --path DIR --index ROOT writes the index too), or give a local directory`);
  }
  if ((command.output === undefined) === (command.container === undefined)) {
    throw new InputError('index: give exactly one of --output DIR (a directory; the same as the one indexed for an index in place) or --container URL (s3://, azure://, a directory)');
  }
  const flag = command.output !== undefined ? '--output' : '--container';
  const target = getIndexTarget(get, { cwd, inPlace: dir, name: flag, value: command.output ?? command.container ?? '' });
  if (!target) throw new InputError(`${flag}: empty; give where the index goes`);
  const patterns = getList(get, Inputs.Pattern, DEFAULT_PATTERNS);
  const concurrency = getInteger(get, Inputs.Concurrency, 4, 1, 256);
  const result: RunResult = await verifyDirectory(
    {
      dir,
      patterns,
      concurrency,
      checkContents: getBoolean(get, Inputs.CheckContents, true),
      strict: getBoolean(get, Inputs.Strict, false),
      ...(command.digests ? { sha256sums: command.digests } : {}),
    },
    reporter,
  );
  await finishIndex(result, target, { command: 'wheel-guard index', fromDir: dir, retries: getInteger(get, Inputs.Retries, 3, 0, 100), concurrency }, reporter);
  return result;
}
