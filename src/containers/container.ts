/**
 * The container interface: where wheel/sidecar pairs are parked between jobs.
 * Containers only move bytes; hashing, pairing, retrying and verifying live
 * in core/ once.
 */
import type { Readable } from 'node:stream';

/** One file in a container. */
export interface Entry {
  /** The file name (no folders: a container is flat). */
  name: string;
  /**
   * Size in bytes; absent when the store does not say (a web page's links).
   * A download is cut at this size when it is known.
   */
  size?: number;
  /** The sha256 the store itself recorded (checksum or metadata), when it has one. */
  sha256?: string;
  /**
   * Why this entry cannot be used, when the container already knows (not a
   * regular file, larger than a cap). The run reports it as a problem naming
   * the entry; it is never read. `name` is still raw: it goes through
   * core/untrusted's door like every other listed name.
   */
  refused?: string;
  /**
   * A sha256 the listing itself states for this file (a package index's
   * `#sha256=` fragment or PEP 691 `hashes.sha256`, a line of the SHA256SUMS
   * the container was named by), raw and unchecked: collect validates it and
   * compares it with every other digest it has for the file (sidecar,
   * `digests` input). Absent for stores that state none.
   */
  listedSha256?: string;
  /** Where `listedSha256` came from, for messages: "the index page's #sha256= fragment". */
  listedFrom?: string;
  /** The index marks the file yanked (PEP 592): the reason given, or '' when none. Raw and unchecked. */
  yanked?: string;
}

/**
 * A file's bytes as `read` returns them. `startsAt` is where they begin when
 * that is not where the caller asked: a web server that answers a ranged
 * request with the whole file (HTTP 200 instead of 206: the file changed, or
 * it ignores ranges) sends it from 0, and the caller starts over.
 */
export type Body = Readable & { readonly startsAt?: number };

/** What the caller already knows about a body it writes. */
export interface WriteOptions {
  sha256: string;
  size: number;
  /** The Content-Type a store that serves files over HTTP keeps for it (index pages); default application/octet-stream. */
  contentType?: string;
}

/** A place that holds wheel/sidecar pairs. */
export interface Container {
  /** The container as the user named it, for messages. Never holds a secret. */
  readonly url: string;
  /** True for a container nothing can be written to (a web address): post-build refuses it up front. */
  readonly readOnly?: boolean;
  /** Said once by a run that uses the container, before it starts (a plain http:// address off this machine). */
  readonly warnings?: readonly string[];
  /** Whether `read(name, offset)` with offset > 0 returns the bytes from offset on. */
  readonly resumable: boolean;
  /**
   * The files whose names start with `prefix` (default: all). Names are as
   * the store holds them, unchecked: the caller passes them through the door
   * (core/untrusted) before using or printing any.
   */
  list(prefix?: string): Promise<Entry[]>;
  /**
   * The file's bytes from `offset` (default 0) on, or from `startsAt` when
   * the body says so. Throws NotFoundError if absent.
   */
  read(name: string, offset?: number): Promise<Body>;
  /**
   * A small file whole (a sidecar), for a container that has a cheaper way
   * than `read`: at most `limit` bytes, else the LimitError of
   * bounds.ts tooLarge. Throws NotFoundError if absent.
   */
  readSmall?(name: string, limit: number): Promise<Buffer>;
  /** Stores `body` under `name` so that no reader ever sees it half written. */
  write(name: string, body: Readable, options: WriteOptions): Promise<void>;
  /**
   * Stores the local file `file` under `name`, as `write` would its bytes,
   * for a container that reads the file itself: S3 uploads a large one in
   * parts, each streamed from its place in the file, with no copy of a part
   * in memory. `onProgress` gets the bytes sent so far.
   */
  writeFile?(name: string, file: string, options: WriteOptions & { onProgress?: (bytes: number) => void }): Promise<void>;
  /** The file's entry, or undefined if the container does not hold it. */
  stat(name: string): Promise<Entry | undefined>;
  /** Deletes the file; no error if it is already gone. */
  remove(name: string): Promise<void>;
  /**
   * Called once when a run is done with the container. A container that
   * batches writes (artifacts) uploads them here and checks what landed;
   * any container removes its temporary files.
   */
  finish?(): Promise<void>;
}
