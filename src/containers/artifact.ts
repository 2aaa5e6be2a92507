/**
 * `artifact://NAME`: GitHub Actions artifacts through @actions/artifact.
 *
 * The unit of an artifact is a whole upload, not a file, so this container
 * stages files in a private temporary directory:
 * - post-build writes each wheel and sidecar into the stage; `finish()`
 *   uploads them as one zipped artifact named NAME, then downloads it again
 *   against the digest the service recorded and compares every file.
 * - collect's `list()` downloads every artifact whose name matches the
 *   pattern NAME (this run, or another with run-id, repository and
 *   github-token), each checked against the service's digest and downloaded
 *   again on a mismatch; reads are then served from the stage. A zip that
 *   matched its digest is kept for the run and never downloaded again: a
 *   wheel that then fails its sidecar was wrong when it was uploaded, and
 *   the same bytes would come again. Only an artifact the service recorded
 *   no digest for is downloaded afresh when a file is read again from the
 *   start (a retry after a mismatch), and only once in a run.
 *
 * Only what the run needs is unpacked: the distributions that match the
 * run's patterns and the sidecars of such names, found through the zip's
 * central directory (yauzl), so every other member is skipped without being
 * inflated or written. A member is listed under its base name; each one has
 * a cap (MAX_SIDECAR_BYTES, unpackCap), and one over its cap, held twice,
 * or whose name is not a plain file name (or whose folders are `..`) is
 * listed with `refused` set and never written.
 */
import type { Artifact, ArtifactClient, FindOptions } from '@actions/artifact';
import { minimatch } from 'minimatch';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Entry as StreamedEntry } from 'unzip-stream';
import yauzl from 'yauzl';
import { formatCap, LimitError, LimitStream, MAX_LISTING_ENTRIES, MAX_SIDECAR_BYTES } from '../core/bounds.js';
import { ContainerError, InputError, IntegrityError, messageOf, NotFoundError, TransferError } from '../core/errors.js';
import { renameOver, sinkTo, temporaryName } from '../core/files.js';
import { hashFile } from '../core/hash.js';
import { retry } from '../core/retry.js';
import { SIDECAR_SUFFIX } from '../core/sidecar.js';
import { hasUnprintable, nameProblem, plain, quote } from '../core/untrusted.js';
import { matchesAny } from '../core/wheels.js';
import type { Container, Entry, WriteOptions } from './container.js';
import { checkName } from './local.js';
import { exportsOf } from '../core/modules.js';

/** Settings from the `run-id`, `repository` and `github-token` inputs. */
export interface ArtifactSettings {
  /** Another workflow run to read from (collect only). */
  runId?: number;
  /** owner/name of that run's repository; default GITHUB_REPOSITORY. */
  repository?: string;
  /** A token with actions:read on that repository. */
  githubToken?: string;
  /** Downloads of one artifact after a digest mismatch. */
  retries?: number;
  /** The run's `pattern` globs: collect unpacks only the distributions (and their sidecars) they match. */
  patterns?: readonly string[];
}

/** Glob characters: a pattern for collect, not a name post-build can upload under. */
const GLOB = /[*?[\]{}!]/;

/** The patterns when the run names none (the `pattern` input's default). */
const DEFAULT_PATTERNS: readonly string[] = ['*.whl'];

/**
 * What the distributions and sidecars of one artifact may unpack to, all
 * together: UNPACK_RATIO times the size of the artifact's zip, plus
 * UNPACK_MARGIN. A wheel or an sdist is compressed already, so inside the
 * artifact's zip it shrinks by a few percent at most, and 4 times leaves
 * room for a wheel that stores its members uncompressed; a member that
 * inflates far past that is a zip bomb, not a distribution. The cap is on
 * the total, not per member: members of a hostile zip can share their
 * compressed bytes, so only a total bounds what reaches the disk.
 */
export const UNPACK_RATIO = 4;
/** Room for a small artifact whose one wheel stores its members uncompressed. */
export const UNPACK_MARGIN = 16 * 1024 * 1024;

/** The cap on what one artifact whose zip is `zipSize` bytes may unpack to. */
export function unpackCap(zipSize: number): number {
  return UNPACK_RATIO * zipSize + UNPACK_MARGIN;
}

/** A file an artifact holds, as the run sees it. */
interface Member {
  /** Bytes: as unpacked, or as the zip declares them when not unpacked. */
  size: number;
  /** Why it was not unpacked (over a cap, not a plain file name): listed, never read. */
  refused?: string;
}

/** One downloaded artifact in the stage. */
interface Fetched {
  artifact: Artifact;
  /** The folder its unpacked files are in, each under its listed name. */
  dir: string;
  /** Its files by listed name: the base name, or the raw name of a refused member. */
  members: Map<string, Member>;
  /** Why its files cannot be trusted, if the service's digest never matched. */
  failure?: string;
  /** A second download (of an artifact without a recorded digest): never downloaded again. */
  second?: boolean;
  /** That second download, once asked for. */
  again?: Promise<Fetched>;
}

export class ArtifactContainer implements Container {
  readonly resumable = true;
  /** @actions/artifact, loaded on first use (its own chunk): a run without artifact:// never parses it. */
  private loading?: Promise<ArtifactClient>;
  private client(): Promise<ArtifactClient> {
    return (this.loading ??= import('@actions/artifact').then((module) => new (exportsOf(module, 'DefaultArtifactClient').DefaultArtifactClient)()));
  }
  private stageRoot: string | undefined;
  /** collect: artifacts fetched, by name; files, by listed name. */
  private readonly fetched = new Map<string, Fetched>();
  private readonly files = new Map<string, Fetched>();
  private readonly reads = new Set<string>();
  /** post-build: the artifact NAME as it already is in this run (a re-run), and what changed. */
  private existing: Fetched | null | undefined;
  private outboxFetched: Fetched | undefined;
  private changed = false;

  constructor(
    readonly url: string,
    private readonly pattern: string,
    private readonly settings: ArtifactSettings,
  ) {}

  private get patterns(): readonly string[] {
    return this.settings.patterns?.length ? this.settings.patterns : DEFAULT_PATTERNS;
  }

  private findBy(): FindOptions {
    const { runId, repository, githubToken } = this.settings;
    if (runId === undefined) return {};
    const [repositoryOwner, repositoryName] = (repository ?? '').split('/');
    return { findBy: { workflowRunId: runId, repositoryOwner: repositoryOwner!, repositoryName: repositoryName!, token: githubToken! } };
  }

  private async stage(): Promise<string> {
    this.stageRoot ??= await mkdtemp(join(tmpdir(), 'wheel-guard-artifacts-'));
    return this.stageRoot;
  }

  /** Turns a library failure into one line a person can act on. */
  private explain(error: unknown, action: string): Error {
    if (error instanceof IntegrityError || error instanceof TransferError || error instanceof ContainerError) return error;
    // The library's message can carry what the service sent (an artifact's name): one escaped line.
    const message = plain(messageOf(error));
    const name = (error as Error)?.name ?? '';
    if (/ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL/.test(message)) {
      return new ContainerError(
        `${this.url}: ${action} needs the Actions runtime (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL), which only a workflow job has; ` +
          'elsewhere collect can read another run with run-id, repository and github-token',
      );
    }
    if (/Bad credentials|401|403|Resource not accessible/i.test(message)) {
      return new ContainerError(`${this.url}: ${action} was refused (${message}); check that github-token has actions:read on ${this.settings.repository}`);
    }
    if (name === 'NetworkError' || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|socket hang up/.test(message)) {
      return new TransferError(`${this.url}: ${action}: ${message}`, { cause: error });
    }
    return new ContainerError(`${this.url}: ${action} failed: ${message}`, { cause: error });
  }

  /** The artifacts of the run whose names match the pattern (latest of each name). */
  private async matching(): Promise<Artifact[]> {
    const { artifacts } = await (await this.client()).listArtifacts({ latest: true, ...this.findBy() }).catch((error: unknown) => {
      throw this.explain(error, 'listing artifacts');
    });
    return artifacts.filter((artifact) => minimatch(artifact.name, this.pattern, { dot: true }));
  }

  /**
   * Downloads one artifact's zip as it is (no extraction by the library),
   * downloaded again while it does not match the digest the service
   * recorded, then unpacks what the run needs into a fresh folder. A zip
   * that never matches still yields the names it holds (unpacking nothing),
   * so collect can name the wheels it cannot trust.
   */
  private async download(artifact: Artifact): Promise<Fetched> {
    const root = await this.stage();
    const dir = await mkdtemp(join(root, `${artifact.id}-`));
    const raw = await mkdtemp(join(root, `${artifact.id}-zip-`));
    const shown = `artifact ${quote(artifact.name)}`;
    let failure: string | undefined;
    try {
      await retry(
        async () => {
          await rm(raw, { recursive: true, force: true });
          await mkdir(raw);
          const result = await (await this.client())
            .downloadArtifact(artifact.id, {
              path: raw,
              skipDecompress: true,
              ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
              ...this.findBy(),
            })
            .catch((error: unknown) => {
              throw this.explain(error, `downloading ${shown}`);
            });
          // @actions/artifact only flags a mismatch; it does not throw.
          if (result.digestMismatch) {
            throw new IntegrityError(shown, plain(artifact.digest ?? ''), 'another digest', artifact.size, 'the artifact service digest');
          }
        },
        { retries: this.settings.retries ?? 3 },
      );
    } catch (error: unknown) {
      if (!(error instanceof IntegrityError)) throw error;
      failure =
        `${shown} did not match the digest the artifact service recorded (${quote(artifact.digest ?? '')}) ` +
        `after ${(this.settings.retries ?? 3) + 1} downloads`;
    }
    const fetched: Fetched = { artifact, dir, members: new Map() };
    try {
      const [zip] = await readdir(raw);
      if (zip !== undefined) {
        const path = join(raw, zip);
        if (failure === undefined) await unpack(path, dir, this.patterns, fetched.members, shown);
        else await namesOnly(path, this.patterns, fetched.members);
      }
    } catch (error: unknown) {
      // This machine's trouble (a full disk) is not the artifact's.
      if (isSystemError(error)) throw error;
      failure ??= `${shown} is not a readable zip: ${plain(messageOf(error))}`;
    } finally {
      await rm(raw, { recursive: true, force: true });
    }
    if (failure !== undefined) fetched.failure = failure;
    return fetched;
  }

  /**
   * An artifact without a recorded digest, downloaded afresh: at most once
   * in a run, however many of its files are read again.
   */
  private again(old: Fetched): Promise<Fetched> {
    old.again ??= this.download(old.artifact).then((fresh) => {
      fresh.second = true;
      if (this.fetched.get(old.artifact.name) === old) this.fetched.set(old.artifact.name, fresh);
      this.index(fresh);
      // The old folder stays until finish(): a read opened on it may still be starting.
      return fresh;
    });
    return old.again;
  }

  /** Indexes a fetched artifact's files; a name in two artifacts is refused. */
  private index(fetched: Fetched): void {
    for (const name of fetched.members.keys()) {
      const other = this.files.get(name);
      if (other && other.artifact.name !== fetched.artifact.name) {
        const failure = `${quote(name)} is in two artifacts, ${quote(other.artifact.name)} and ${quote(fetched.artifact.name)}`;
        this.files.set(name, { ...fetched, failure });
        continue;
      }
      this.files.set(name, fetched);
    }
  }

  async list(prefix = ''): Promise<Entry[]> {
    for (const artifact of await this.matching()) {
      const known = this.fetched.get(artifact.name);
      if (known && known.artifact.id === artifact.id && known.artifact.digest === artifact.digest) continue;
      const fetched = await this.download(artifact);
      this.fetched.set(artifact.name, fetched);
      this.index(fetched);
    }
    const entries: Entry[] = [];
    for (const [name, fetched] of this.files) {
      const member = fetched.members.get(name);
      if (!member || !name.startsWith(prefix)) continue;
      entries.push({ name, size: member.size, ...(member.refused !== undefined ? { refused: member.refused } : {}) });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** post-build: loads the artifact NAME if this run already has it (a re-run of the job). */
  private async loadExisting(): Promise<Fetched | null> {
    if (this.existing !== undefined) return this.existing;
    const [artifact] = (await this.matching()).filter((a) => a.name === this.pattern);
    this.existing = artifact ? await this.download(artifact) : null;
    if (this.existing?.failure) throw new ContainerError(`${this.url}: ${this.existing.failure}`);
    if (this.existing) {
      this.fetched.set(artifact!.name, this.existing);
      this.index(this.existing);
    }
    return this.existing;
  }

  /** Where post-build stages what it writes: the existing artifact, or a new folder. */
  private async outbox(): Promise<Fetched> {
    if (GLOB.test(this.pattern)) {
      throw new ContainerError(`${this.url} is a pattern; post-build uploads under a plain artifact name, e.g. artifact://wheels-\${{ matrix.os }}`);
    }
    const existing = await this.loadExisting();
    if (existing) return existing;
    if (!this.outboxFetched) {
      const dir = join(await this.stage(), 'upload');
      await mkdir(dir, { recursive: true });
      this.outboxFetched = { artifact: { name: this.pattern, id: 0, size: 0 }, dir, members: new Map() };
    }
    return this.outboxFetched;
  }

  async read(name: string, offset = 0): Promise<Readable> {
    checkName(name);
    let fetched = this.files.get(name);
    if (!fetched && this.existing === undefined) {
      await this.loadExisting();
      fetched = this.files.get(name);
    }
    if (!fetched) throw new NotFoundError(`${this.url}: ${quote(name)} not found`);
    if (fetched.failure) throw new IntegrityError(quote(name), '', '', 0, fetched.failure);
    // Read again from the start: a retry after a mismatch. A zip that matched the service's digest
    // came whole, so its files are served again as they are; one without a digest is fetched afresh, once.
    if (offset === 0 && this.reads.has(name) && !this.changed && !fetched.artifact.digest && !fetched.second) {
      fetched = await this.again(fetched);
      if (fetched.failure) throw new IntegrityError(quote(name), '', '', 0, fetched.failure);
    }
    const member = fetched.members.get(name);
    if (!member) throw new NotFoundError(`${this.url}: ${quote(name)} not found`);
    if (member.refused !== undefined) throw new LimitError(`${quote(name)} ${member.refused}`);
    this.reads.add(name);
    return createReadStream(join(fetched.dir, name), { start: offset });
  }

  async write(name: string, body: Readable, _options: WriteOptions): Promise<void> {
    checkName(name);
    if (this.settings.runId !== undefined) throw new InputError('run-id: artifacts of another run can only be collected, not written');
    const outbox = await this.outbox();
    const temp = join(outbox.dir, temporaryName(name));
    const path = join(outbox.dir, name);
    try {
      await pipeline(body, createWriteStream(temp));
      await renameOver(temp, path, path);
    } catch (error: unknown) {
      await rm(temp, { force: true });
      throw error;
    }
    outbox.members.set(name, { size: (await stat(path)).size });
    this.files.set(name, outbox);
    this.reads.delete(name);
    this.changed = true;
  }

  async stat(name: string): Promise<Entry | undefined> {
    checkName(name);
    if (this.existing === undefined && this.files.size === 0) await this.loadExisting();
    const member = this.files.get(name)?.members.get(name);
    if (!member) return undefined;
    return { name, size: member.size, ...(member.refused !== undefined ? { refused: member.refused } : {}) };
  }

  async remove(name: string): Promise<void> {
    const fetched = this.files.get(name);
    if (!fetched) return;
    if (fetched.members.get(name)?.refused === undefined) await rm(join(fetched.dir, name), { force: true });
    fetched.members.delete(name);
    this.files.delete(name);
    this.changed = true;
  }

  /**
   * post-build: uploads the staged files as the artifact NAME (replacing this
   * run's earlier one if a re-run changed it) and checks what the service
   * stored. Both: removes the stage.
   */
  async finish(): Promise<void> {
    try {
      if (this.changed) await this.upload();
    } finally {
      if (this.stageRoot) await rm(this.stageRoot, { recursive: true, force: true });
    }
  }

  private async upload(): Promise<void> {
    const outbox = await this.outbox();
    const dir = outbox.dir;
    const names = [...outbox.members].filter(([, member]) => member.refused === undefined).map(([name]) => name).sort();
    if (this.existing) {
      await (await this.client()).deleteArtifact(this.pattern).catch((error: unknown) => {
        throw this.explain(error, `replacing artifact ${this.pattern}`);
      });
    }
    const uploaded = await (await this.client())
      .uploadArtifact(this.pattern, names.map((name) => join(dir, name)), dir)
      .catch((error: unknown) => {
        throw this.explain(error, `uploading artifact ${this.pattern}`);
      });
    // Read back: the artifact as the service now serves it, against its recorded digest, file by file.
    const [stored] = (await this.matching()).filter((artifact) => artifact.name === this.pattern);
    if (!stored) throw new ContainerError(`${this.url}: artifact ${this.pattern} is not listed after its upload`);
    if (uploaded.digest && stored.digest && stored.digest !== `sha256:${uploaded.digest}` && stored.digest !== uploaded.digest) {
      throw new ContainerError(`${this.url}: the service recorded digest ${quote(stored.digest)} for ${this.pattern}, the upload computed ${uploaded.digest}`);
    }
    const back = await this.download(stored);
    if (back.failure) throw new ContainerError(`${this.url}: ${back.failure}`);
    for (const name of names) {
      const unpacked = back.members.get(name);
      const [sent, got] = await Promise.all([
        hashFile(join(dir, name)),
        unpacked && unpacked.refused === undefined ? hashFile(join(back.dir, name)).catch(() => undefined) : undefined,
      ]);
      if (!got || got.sha256 !== sent.sha256) {
        throw new ContainerError(`${this.url}: ${name} read back from artifact ${this.pattern} ${got ? 'differs from what was uploaded' : 'is missing'}`);
      }
    }
  }
}

/** An error of the file system or the operating system (it names a syscall), not of the bytes. */
function isSystemError(error: unknown): boolean {
  return typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
}

/** A member of an artifact's zip that the run wants: a distribution matching its patterns, or such a sidecar. */
interface Wanted {
  /** Its base name: the name it is listed under, as it would be unpacked. */
  key: string;
  kind: 'distribution' | 'sidecar';
  /** Why it cannot be unpacked under that name, if it cannot. */
  problem?: string;
}

/**
 * Why a member's folders forbid unpacking it: `..`, `.` or an empty folder
 * (an absolute path), a backslash, a control character. A member in plain
 * folders is unpacked under its base name, as download-artifact would.
 */
function folderProblem(path: string): string | undefined {
  const folders = path.slice(0, Math.max(0, path.lastIndexOf('/')));
  if (folders === '' && !path.startsWith('/')) return undefined;
  const why = hasUnprintable(folders)
    ? 'whose folders hold control or invisible characters'
    : folders.includes('\\')
      ? 'whose folders hold a backslash'
      : folders.split('/').some((folder) => folder === '' || folder === '.' || folder === '..')
        ? 'a path that is absolute or goes through "." or ".."'
        : undefined;
  return why && `is stored in the zip as ${quote(path)}, ${why}`;
}

/**
 * Whether the run wants a member of this raw name (folders and all): a
 * folder, a name its patterns do not match and the sidecar of such a name
 * are not wanted, so they are skipped unread and never listed. A wanted
 * member is listed under its base name; one that cannot be unpacked under
 * it (not a plain file name, in a folder like `..`) says why.
 */
function wanted(path: string, patterns: readonly string[]): Wanted | undefined {
  if (path.endsWith('/')) return undefined;
  const base = path.slice(path.lastIndexOf('/') + 1);
  const kind = base.endsWith(SIDECAR_SUFFIX)
    ? matchesAny(base.slice(0, -SIDECAR_SUFFIX.length), patterns)
      ? 'sidecar'
      : undefined
    : matchesAny(base, patterns)
      ? 'distribution'
      : undefined;
  if (!kind) return undefined;
  const problem = nameProblem(base) ?? folderProblem(path);
  return { key: base, kind, ...(problem !== undefined ? { problem } : {}) };
}

/** Opens a zip through its central directory; names are left raw (decoded here, never checked by yauzl). */
function openZip(path: string): Promise<yauzl.ZipFile> {
  return yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true });
}

/**
 * A member's name as its bytes mean it: UTF-8 when flagged so; else ASCII
 * bytes as ASCII (a newline is a newline, as Python and Info-ZIP read it,
 * not the CP437 glyph yauzl would make of it), and CP437 for a name with
 * other bytes. Backslashes are kept, to be refused, not turned into folders.
 */
function memberName(entry: yauzl.Entry): string {
  const raw = entry.fileNameRaw;
  if (entry.generalPurposeBitFlag & 0x800) return raw.toString('utf8');
  if (raw.every((byte) => byte < 0x80)) return raw.toString('latin1');
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, [], true);
}

/** The members of a zip the run wants, from its central directory: nothing is inflated. */
function wantedMembers(zip: yauzl.ZipFile, patterns: readonly string[]): Promise<(Wanted & { entry: yauzl.Entry })[]> {
  return new Promise((resolve, reject) => {
    const found: (Wanted & { entry: yauzl.Entry })[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = memberName(entry);
      const want = wanted(name, patterns);
      if (want) {
        if (found.length >= MAX_LISTING_ENTRIES) {
          reject(new LimitError(`it holds more than ${MAX_LISTING_ENTRIES} distributions and sidecars`));
          return;
        }
        found.push({ ...want, entry });
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(found));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/**
 * Unpacks the members the run wants from a zip that matched its digest, by
 * base name, into `dir`, recording each in `members`. Not unpacked, and
 * recorded as refused: a name that is not a plain file name, a name held
 * twice, a sidecar over MAX_SIDECAR_BYTES, and whatever would take the
 * artifact past unpackCap. A member is never inflated past the size its
 * central directory declares.
 */
async function unpack(path: string, dir: string, patterns: readonly string[], members: Map<string, Member>, shown: string): Promise<void> {
  const zipSize = (await stat(path)).size;
  const cap = unpackCap(zipSize);
  let left = cap;
  const zip = await openZip(path);
  try {
    const byKey = new Map<string, (Wanted & { entry: yauzl.Entry })[]>();
    for (const member of await wantedMembers(zip, patterns)) byKey.set(member.key, [...(byKey.get(member.key) ?? []), member]);
    for (const [key, [member, ...others]] of byKey) {
      const declared = member!.entry.uncompressedSize;
      const refuse = (why: string): void => void members.set(key, { size: declared, refused: `${why}; not unpacked from ${shown}` });
      if (others.length > 0) {
        refuse(`is in the artifact's zip ${others.length + 1} times, so which one was meant cannot be told`);
      } else if (member!.problem !== undefined) {
        refuse(member!.problem);
      } else if (member!.kind === 'sidecar' && declared > MAX_SIDECAR_BYTES) {
        refuse(`is ${declared} bytes; a sidecar is at most ${formatCap(MAX_SIDECAR_BYTES)} (one sha256sum line)`);
      } else if (declared > left) {
        refuse(
          `unpacks to ${declared} bytes, past what one artifact may unpack (${UNPACK_RATIO} × its zip's ${zipSize} bytes + ` +
            `${formatCap(UNPACK_MARGIN)} = ${cap} bytes, ${left} of them left): a distribution is compressed already and cannot inflate like this`,
        );
      } else {
        left -= declared;
        try {
          await extract(zip, member!.entry, join(dir, key), declared);
          members.set(key, { size: declared });
        } catch (error: unknown) {
          if (isSystemError(error)) throw error;
          refuse(`could not be unpacked (${plain(messageOf(error))})`);
        }
      }
    }
  } finally {
    zip.close();
  }
}

/** Writes one member to a new file, never past `size` bytes (yauzl also checks the inflated size against it). */
async function extract(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string, size: number): Promise<void> {
  // 'wx': a new file, never one already there (nor through a link of that name).
  const handle = await open(path, 'wx');
  try {
    const source = await zip.openReadStreamPromise(entry);
    await pipeline(source, new LimitStream(size, () => new LimitError(`it inflates past the ${size} bytes it declares`)), sinkTo(handle));
    await handle.close();
  } catch (error: unknown) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}

/**
 * The names the run wants from a zip that never matched its digest, so each
 * can be named as untrusted; nothing is written. From the central directory
 * when it reads; else (a zip cut short has none) from the local headers as
 * the zip streams by, inflating at most unpackCap bytes in all.
 */
async function namesOnly(path: string, patterns: readonly string[], members: Map<string, Member>): Promise<void> {
  const zipSize = (await stat(path)).size;
  const zip = await openZip(path).catch(() => undefined);
  if (zip) {
    try {
      for (const member of await wantedMembers(zip, patterns)) members.set(member.key, { size: member.entry.uncompressedSize });
      return;
    } catch {
      // A damaged central directory: the local headers may still tell more.
    } finally {
      zip.close();
    }
  }
  await localHeaderNames(path, patterns, unpackCap(zipSize), members);
}

/** Names from a zip's local headers, read in order until the zip ends, breaks, or `budget` bytes were inflated. */
async function localHeaderNames(path: string, patterns: readonly string[], budget: number, members: Map<string, Member>): Promise<void> {
  const { default: unzip } = await import('unzip-stream');
  return new Promise((resolve) => {
    const source = createReadStream(path);
    // unzip-stream's parser emits 'close' by hand, before 'end'; any end, error included, ends the names.
    const parser = unzip.Parse();
    let inflated = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
      resolve();
    };
    parser.on('entry', (entry: StreamedEntry) => {
      entry.on('error', finish);
      if (entry.type !== 'File') {
        entry.autodrain();
        return;
      }
      const want = wanted(entry.path, patterns);
      if (want && members.size < MAX_LISTING_ENTRIES) members.set(want.key, { size: entry.size ?? 0 });
      // Inflated only to find where the next header starts (a streamed member's size comes after its data).
      entry.on('data', (chunk: Buffer) => {
        inflated += chunk.length;
        if (inflated > budget) finish();
      });
    });
    parser.on('close', finish);
    parser.on('finish', () => setImmediate(finish));
    parser.on('error', finish);
    source.on('error', finish);
    source.pipe(parser);
  });
}

/** Checks an artifact URL's name or pattern and the cross-run settings. */
export function openArtifactContainer(url: string, settings: ArtifactSettings): ArtifactContainer {
  const pattern = url.replace(/^artifact:\/\//i, '').trim();
  if (pattern === '' || /[\r\n"<>|:\\/]/.test(pattern)) {
    throw new InputError(`container: ${url} does not name an artifact; use artifact://NAME (post-build) or artifact://PATTERN (collect)`);
  }
  if (settings.runId !== undefined) {
    if (!settings.repository || !/^[^/\s]+\/[^/\s]+$/.test(settings.repository)) {
      throw new InputError('repository: give owner/name of the run given by run-id (default: GITHUB_REPOSITORY)');
    }
    if (!settings.githubToken) {
      throw new InputError('github-token: required with run-id; a token with actions:read on that repository, e.g. ${{ github.token }}');
    }
  }
  return new ArtifactContainer(`artifact://${pattern}`, pattern, settings);
}
