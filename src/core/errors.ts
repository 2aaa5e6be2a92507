/**
 * Named errors. Every error the tool raises on purpose is a WheelGuardError:
 * it carries an exit code for the CLI and says whether trying again can help.
 */
import { quote } from './untrusted.js';

/** Base class: a message meant for a person, an exit code, a retry answer. */
export class WheelGuardError extends Error {
  /** CLI exit code: 1 for integrity or an incomplete set, 2 for usage. */
  readonly exitCode: number = 1;
  /** Whether the same operation may succeed if tried again. */
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad input or flag: reported before any work starts. */
export class InputError extends WheelGuardError {
  override readonly exitCode = 2;
}

/** A sidecar that is not in sha256sum format or names another file. */
export class SidecarFormatError extends WheelGuardError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Bytes that do not hash to what the sidecar promised. */
export class IntegrityError extends WheelGuardError {
  override readonly retryable = true;
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    readonly size: number,
    detail?: string,
  ) {
    super(
      `${file}: sha256 mismatch${detail ? ` (${detail})` : ''}: expected ${expected}, got ${actual} over ${size} bytes`,
    );
  }
}

/** A transfer that ended short or broke off: worth retrying, resuming if possible. */
export class TransferError extends WheelGuardError {
  override readonly retryable = true;
}

/**
 * The container itself is unusable (no such bucket, access denied, no
 * credentials): every file would fail the same way, so the run stops with
 * this one error instead of one per file.
 */
export class ContainerError extends WheelGuardError {}

/** The container's endpoint does not answer: worth retrying, fatal for the run if it never does. */
export class UnreachableError extends ContainerError {
  override readonly retryable = true;
}

/**
 * A distribution broken inside: its archive, its RECORD, or names and tags
 * that disagree. Hashing it again gives the same bytes, so it is not retryable.
 */
export class ContentError extends WheelGuardError {
  constructor(
    readonly file: string,
    /** The first broken member (a path inside the archive), if the fault is in one. */
    readonly member: string | undefined,
    readonly detail: string,
  ) {
    // A member's name is the archive's, chosen by whoever made it: quoted through the one door.
    super(`${file}: content check failed${member !== undefined ? ` at ${quote(member)}` : ''}: ${detail}`);
  }
}

/** A file the container does not hold. */
export class NotFoundError extends WheelGuardError {}

/** A remote wheel that differs from the local one of the same name. */
export class ConflictError extends WheelGuardError {}

/** Node's transient network error codes (as in @actions/artifact's NetworkError). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** True when an error is worth another attempt: a named retryable error or a network failure. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof WheelGuardError) return error.retryable;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/**
 * True when a client library's error (by its code or its message) says the
 * network failed: the containers word these as "cannot reach …".
 */
export function isNetworkFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|other side closed/.test(`${typeof code === 'string' ? code : ''} ${messageOf(error)}`);
}

/** The message of anything thrown, for one-line reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
