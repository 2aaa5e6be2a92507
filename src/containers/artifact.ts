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
 *   again on a mismatch; reads are then served from the stage, and a wheel
 *   read again from the start (a retry after a sidecar mismatch) makes the
 *   whole artifact be downloaded afresh.
 */
import { DefaultArtifactClient, type Artifact, type FindOptions } from '@actions/artifact';
import { minimatch } from 'minimatch';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import unzip, { type Entry as ZipEntry } from 'unzip-stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { ContainerError, InputError, IntegrityError, messageOf, NotFoundError, TransferError } from '../core/errors.js';
import { hashFile } from '../core/hash.js';
import { retry } from '../core/retry.js';
import type { Container, Entry, WriteOptions } from './container.js';
import { checkName, temporaryName } from './local.js';

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

/** One downloaded artifact in the stage. */
interface Fetched {
  artifact: Artifact;
  dir: string;
  /** Why its files cannot be trusted, if the service's digest never matched. */
  failure?: string;
}

export class ArtifactContainer implements Container {
  readonly resumable = true;
  private readonly client = new DefaultArtifactClient();
  private stageRoot: string | undefined;
  /** collect: artifacts fetched, by name; files, by file name. */
  private readonly fetched = new Map<string, Fetched>();
  private readonly files = new Map<string, Fetched>();
  private readonly reads = new Set<string>();
  /** post-build: the artifact NAME as it already is in this run (a re-run), and what changed. */
  private existing: Fetched | null | undefined;
  private changed = false;

  constructor(
    readonly url: string,
    private readonly pattern: string,
    private readonly settings: ArtifactSettings,
  ) {}

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
    const message = messageOf(error);
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
    const { artifacts } = await this.client.listArtifacts({ latest: true, ...this.findBy() }).catch((error: unknown) => {
      throw this.explain(error, 'listing artifacts');
    });
    return artifacts.filter((artifact) => minimatch(artifact.name, this.pattern, { dot: true }));
  }

  /**
   * Downloads one artifact's zip as it is (no extraction by the library),
   * downloaded again while it does not match the digest the service
   * recorded, then unpacks it member by member into a fresh folder. A zip
   * that never matches still yields the names it holds (as far as its local
   * headers can be read), so collect can name the wheels it cannot trust.
   */
  private async download(artifact: Artifact): Promise<Fetched> {
    const root = await this.stage();
    const dir = await mkdtemp(join(root, `${artifact.id}-`));
    const raw = join(dir, '.raw');
    let failure: string | undefined;
    try {
      await retry(
        async () => {
          await rm(raw, { recursive: true, force: true });
          await mkdir(raw);
          const result = await this.client
            .downloadArtifact(artifact.id, {
              path: raw,
              skipDecompress: true,
              ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
              ...this.findBy(),
            })
            .catch((error: unknown) => {
              throw this.explain(error, `downloading artifact ${artifact.name}`);
            });
          // @actions/artifact only flags a mismatch; it does not throw.
          if (result.digestMismatch) {
            throw new IntegrityError(`artifact ${artifact.name}`, artifact.digest ?? '', 'another digest', artifact.size, 'the artifact service digest');
          }
        },
        { retries: this.settings.retries ?? 3 },
      );
    } catch (error: unknown) {
      if (!(error instanceof IntegrityError)) throw error;
      failure = `artifact ${artifact.name} did not match the digest the artifact service recorded (${artifact.digest}) after ${(this.settings.retries ?? 3) + 1} downloads`;
    }
    const [zip] = await readdir(raw);
    if (zip) {
      await unpack(join(raw, zip), dir, failure === undefined).catch((error: unknown) => {
        // A damaged zip yields the names read before the damage; a zip that matched its digest must read whole.
        failure ??= `artifact ${artifact.name} is not a readable zip: ${messageOf(error)}`;
      });
    }
    await rm(raw, { recursive: true, force: true });
    return { artifact, dir, ...(failure ? { failure } : {}) };
  }

  /** Indexes a fetched artifact's files; a name in two artifacts is refused. */
  private async index(fetched: Fetched): Promise<void> {
    for (const name of await readdir(fetched.dir)) {
      const other = this.files.get(name);
      if (other && other.artifact.name !== fetched.artifact.name) {
        const conflict = { ...fetched, failure: `${name} is in two artifacts, ${other.artifact.name} and ${fetched.artifact.name}` };
        this.files.set(name, conflict);
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
      await this.index(fetched);
    }
    const entries: Entry[] = [];
    for (const [name, fetched] of this.files) {
      if (!name.startsWith(prefix) || name.startsWith('.')) continue;
      entries.push({ name, size: (await stat(join(fetched.dir, name))).size });
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
      await this.index(this.existing);
    }
    return this.existing;
  }

  /** Where post-build stages what it writes: the existing artifact's folder, or a new one. */
  private async outbox(): Promise<string> {
    if (GLOB.test(this.pattern)) {
      throw new ContainerError(`${this.url} is a pattern; post-build uploads under a plain artifact name, e.g. artifact://wheels-\${{ matrix.os }}`);
    }
    const existing = await this.loadExisting();
    if (existing) return existing.dir;
    const dir = join(await this.stage(), 'upload');
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async read(name: string, offset = 0): Promise<Readable> {
    checkName(name);
    let fetched = this.files.get(name);
    if (!fetched && this.existing === undefined) {
      await this.loadExisting();
      fetched = this.files.get(name);
    }
    if (!fetched) throw new NotFoundError(`${this.url}: ${name} not found`);
    if (fetched.failure) throw new IntegrityError(name, '', '', 0, fetched.failure);
    // Read again from the start: a retry after a mismatch. Fetch the artifact afresh.
    if (offset === 0 && this.reads.has(name) && !this.changed) {
      const again = await this.download(fetched.artifact);
      this.fetched.set(fetched.artifact.name, again);
      for (const file of await readdir(again.dir)) this.files.set(file, again);
      await rm(fetched.dir, { recursive: true, force: true });
      fetched = again;
      if (fetched.failure) throw new IntegrityError(name, '', '', 0, fetched.failure);
    }
    this.reads.add(name);
    return createReadStream(join(fetched.dir, name), { start: offset });
  }

  async write(name: string, body: Readable, _options: WriteOptions): Promise<void> {
    checkName(name);
    if (this.settings.runId !== undefined) throw new InputError('run-id: artifacts of another run can only be collected, not written');
    const dir = await this.outbox();
    const temp = join(dir, temporaryName(name));
    try {
      await pipeline(body, createWriteStream(temp));
      await rename(temp, join(dir, name));
    } catch (error: unknown) {
      await rm(temp, { force: true });
      throw error;
    }
    this.files.set(name, this.existing ?? { artifact: { name: this.pattern, id: 0, size: 0 }, dir });
    this.reads.delete(name);
    this.changed = true;
  }

  async stat(name: string): Promise<Entry | undefined> {
    checkName(name);
    if (this.existing === undefined && this.files.size === 0) await this.loadExisting();
    const fetched = this.files.get(name);
    if (!fetched) return undefined;
    return { name, size: (await stat(join(fetched.dir, name))).size };
  }

  async remove(name: string): Promise<void> {
    const fetched = this.files.get(name);
    if (!fetched) return;
    await rm(join(fetched.dir, name), { force: true });
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
    const dir = this.existing?.dir ?? join(await this.stage(), 'upload');
    const names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
    if (this.existing) {
      await this.client.deleteArtifact(this.pattern).catch((error: unknown) => {
        throw this.explain(error, `replacing artifact ${this.pattern}`);
      });
    }
    const uploaded = await this.client
      .uploadArtifact(this.pattern, names.map((name) => join(dir, name)), dir)
      .catch((error: unknown) => {
        throw this.explain(error, `uploading artifact ${this.pattern}`);
      });
    // Read back: the artifact as the service now serves it, against its recorded digest, file by file.
    const [stored] = (await this.matching()).filter((artifact) => artifact.name === this.pattern);
    if (!stored) throw new ContainerError(`${this.url}: artifact ${this.pattern} is not listed after its upload`);
    if (uploaded.digest && stored.digest && stored.digest !== `sha256:${uploaded.digest}` && stored.digest !== uploaded.digest) {
      throw new ContainerError(`${this.url}: the service recorded digest ${stored.digest} for ${this.pattern}, the upload computed ${uploaded.digest}`);
    }
    const back = await this.download(stored);
    if (back.failure) throw new ContainerError(`${this.url}: ${back.failure}`);
    for (const name of names) {
      const [sent, got] = await Promise.all([hashFile(join(dir, name)), hashFile(join(back.dir, name)).catch(() => undefined)]);
      if (!got || got.sha256 !== sent.sha256) {
        throw new ContainerError(`${this.url}: ${name} read back from artifact ${this.pattern} ${got ? 'differs from what was uploaded' : 'is missing'}`);
      }
    }
  }
}

/**
 * Unpacks a zip's files (flat: an artifact of wheels has no folders) into
 * `dir`. With `write` false only the names are taken, as empty files, for a
 * zip that is known to be damaged.
 */
async function unpack(zip: string, dir: string, write: boolean): Promise<void> {
  const names = new Set<string>();
  const writes: Promise<void>[] = [];
  // unzip-stream's parser emits 'close' by hand, before 'end': pipeline() would call that premature.
  const parsed = new Promise<void>((resolve, reject) => {
    const parser = unzip.Parse();
    parser.on('entry', (entry: ZipEntry) => {
      const name = entry.path.split('/').pop() ?? '';
      if (entry.type !== 'File' || name === '' || name.startsWith('.') || names.has(name)) {
        entry.autodrain();
        return;
      }
      names.add(name);
      if (write) {
        writes.push(pipeline(entry, createWriteStream(join(dir, name))));
      } else {
        entry.autodrain();
        writes.push(writeFile(join(dir, name), ''));
      }
    });
    parser.on('close', resolve);
    parser.on('error', reject);
    createReadStream(zip).on('error', reject).pipe(parser);
  });
  try {
    await parsed;
  } finally {
    await Promise.allSettled(writes);
  }
  await Promise.all(writes);
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

