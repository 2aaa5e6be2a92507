/**
 * What crosses between check-pool.ts and its worker threads: a task's
 * result (a ContentError as its file, member and detail, made a ContentError
 * again on the other side) and an error (its message and what callers look
 * at: code, syscall, and whether it was a NotRegularFileError).
 */
import type { MessagePort } from 'node:worker_threads';
import { type CheckResult, type NamedCheckTask, runCheckTask } from './check-task.js';
import { ContentError } from './errors.js';
import type { ContentWarning } from './findings.js';
import { NotRegularFileError } from './files.js';

/** A task's result as it crosses between threads. */
interface WireResult {
  sha256?: string;
  size: number;
  warnings?: ContentWarning[];
  contentError?: { file: string; member?: string; detail: string };
}

/** An error as it crosses between threads: what callers look at (message, code, syscall) and its kind. */
interface WireError {
  message: string;
  name?: string;
  code?: unknown;
  syscall?: unknown;
  errno?: unknown;
  path?: unknown;
  notRegular?: boolean;
}

/** What a worker answers for a task. */
export type Answer = { id: number; result: WireResult } | { id: number; error: WireError };

export function toWire(result: CheckResult): WireResult {
  const { contentError, ...rest } = result;
  if (!contentError) return rest;
  return { ...rest, contentError: { file: contentError.file, ...(contentError.member === undefined ? {} : { member: contentError.member }), detail: contentError.detail } };
}

export function fromWire(wire: WireResult): CheckResult {
  const { contentError, ...rest } = wire;
  return contentError ? { ...rest, contentError: new ContentError(contentError.file, contentError.member, contentError.detail) } : rest;
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, syscall, errno, path } = error as NodeJS.ErrnoException;
  return { message: error.message, name: error.name, code, syscall, errno, path, notRegular: error instanceof NotRegularFileError };
}

export function fromWireError(wire: WireError): Error {
  if (wire.notRegular) return new NotRegularFileError(wire.message);
  const error = new Error(wire.message);
  for (const key of ['code', 'syscall', 'errno', 'path'] as const) if (wire[key] !== undefined) Object.assign(error, { [key]: wire[key] });
  return error;
}

/** The worker's side: answers every task posted on `port` (src/worker/index.ts), one after another. */
export function serveChecks(port: MessagePort): void {
  // One file at a time, in the order sent: the next may arrive before this one is done.
  let previous: Promise<void> = Promise.resolve();
  port.on('message', (message: { id: number; task: NamedCheckTask }) => {
    previous = previous.then(() =>
      runCheckTask(message.task).then(
        (result) => port.postMessage({ id: message.id, result: toWire(result) } satisfies Answer),
        (error: unknown) => port.postMessage({ id: message.id, error: toWireError(error) } satisfies Answer),
      ),
    );
  });
}

