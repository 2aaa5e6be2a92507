/** What a run reports: per-file results, problems, and where it tells them. */

/** How one file ended. */
export enum FileStatus {
  /** post-build: uploaded and read back. */
  Uploaded = 'uploaded',
  /** post-build: the container already held this exact pair. */
  Unchanged = 'unchanged',
  /** collect/verify: downloaded (or checked in place) and verified. */
  Verified = 'verified',
  /** collect: already in `path` with the right hash, left untouched. */
  Present = 'already present',
  /** Anything that did not end well: see the problems. */
  Failed = 'failed',
}

/** One row of the verification table. */
export interface FileResult {
  name: string;
  size?: number;
  sha256?: string;
  status: FileStatus;
  attempts: number;
  /** What the content check found odd but installable (warnings, already reported). */
  warnings?: string[];
}

/** One thing wrong, named for the person who must fix it. */
export interface Problem {
  /** The file it is about, when there is one (shown as an annotation). */
  file?: string;
  message: string;
}

/** What post-build and collect return. */
export interface RunResult {
  files: FileResult[];
  problems: Problem[];
  /** The SHA256SUMS file written, if any. */
  sha256sums?: string;
  /** The pip requirements file written (`requirements`), if any. */
  requirements?: string;
  /** Where the simple index's `simple/` was written (`index`), if one was. */
  index?: string;
  /** post-build's `attest`: the build provenance attestation stored for the parked files. */
  attestation?: { id: string; url: string; subjects: number; logIndex?: string };
  /** collect's `attested-by`: the workflow whose attestation every placed file had. */
  attestedBy?: string;
  /** Seconds from the run's start to its result (the action glue measures them), for the job summary. */
  seconds?: number;
  /** Where the run worked, for the job summary's commands that check it again by hand. */
  where?: RunPlace;
}

/** Where a run worked: nothing secret in it. */
export interface RunPlace {
  step: 'post-build' | 'collect';
  /** The container as its `url` shows it (never a secret). */
  container: string;
  /** The local directory of distributions, as given (relative to the working directory). */
  path: string;
}

/** Where a run tells what it is doing: the action log or a terminal. */
export interface Reporter {
  info(message: string): void;
  warning(message: string, file?: string): void;
  /** Bytes of one file moved so far; implementations throttle. */
  progress(name: string, bytes: number, total: number | undefined): void;
  /** One file finished, well or not. */
  fileDone(result: FileResult): void;
}

/** The verified files, as the `files` output: `[{name, size, sha256}]`. */
export function verifiedFiles(result: RunResult): { name: string; size: number; sha256: string }[] {
  return result.files
    .filter((file) => file.status !== FileStatus.Failed && file.sha256 !== undefined)
    .map((file) => ({ name: file.name, size: file.size ?? 0, sha256: file.sha256! }));
}

/** Human-readable byte counts: 1.2 MB. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A problem about one file, its message always starting with the file's name. */
export function fileProblem(name: string, error: unknown, file?: string): Problem {
  const message = error instanceof Error ? error.message : String(error);
  return { ...(file ? { file } : {}), message: message.startsWith(name) ? message : `${name}: ${message}` };
}
