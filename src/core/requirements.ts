/**
 * The `requirements` file: a pip requirements file that pins every verified
 * distribution of a run by its sha256, for
 * `pip install --no-index --find-links DIR --require-hashes -r FILE`.
 *
 * Pure: verified files ({name, sha256}) in, the file's text (or the
 * problems that keep it from being written) out. One line per project and
 * version, `name==version --hash=sha256:… …`, the name PEP 503 normalised,
 * every file of that version (wheels of each platform, the sdist) one hash.
 *
 * What pip does with such a file (pip 23.2, checked by
 * __tests__/e2e/requirements.test.ts and by hand):
 * - `==` compares PEP 440 versions, so a wheel `1.0` and an sdist `1.0.0`
 *   are one version: one line, both hashes (two lines of one project would
 *   each restrict the other: pip intersects their hashes).
 * - Two versions of one project cannot both be pinned: pip installs one
 *   version per project and refuses the file (ResolutionImpossible). That
 *   is a problem of the run naming both files, and no file is written.
 * - pip reads a wheel file name's version with `_` as `-` (`1.0_1` is
 *   `1.0-1`, a post-release): that is how it is written.
 */
import { normalizeName, versionKey } from './normalize.js';
import type { Problem } from './report.js';
import { plain, quote } from './untrusted.js';
import { parseDistributionName } from './wheels.js';

/** A verified file: its name (wheel or sdist) and sha256. */
export interface PinnedFile {
  name: string;
  sha256: string;
}

/** Where the file goes and what wrote it, for its header and messages. */
export interface RequirementsContext {
  /** The command that wrote it: `collect` or `verify`. */
  command: string;
  /** The requirements file as messages name it. */
  file: string;
  /** The directory holding the files (pip's `--find-links`), when there is one. */
  findLinks?: string;
}

/** The file's text, or why it cannot be written. */
export interface RequirementsText {
  /** Undefined when there are problems: a requirements file is written whole or not at all. */
  text?: string;
  problems: Problem[];
  /** The requirement lines written (one per project and version). */
  lines: number;
}

/** A PEP 508 project name as PEP 503 normalises it: letters, digits and `-`, a letter or digit at each end. */
const PROJECT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** What a version in a requirement line may hold: PEP 440 characters only (no space, `#`, `;`, `\`). */
const VERSION_CHARACTERS = /^[A-Za-z0-9._+!-]+$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** One (project, version) line being gathered. */
interface Line {
  project: string;
  /** The version as the first of its files (by name) spells it, as pip reads that file name. */
  version: string;
  files: PinnedFile[];
}

/** One file's project and version as pip reads its name, or why it cannot be pinned. */
function pinOf(file: PinnedFile): { project: string; version: string; key: string } | { why: string } {
  const parsed = parseDistributionName(file.name);
  if (!parsed) return { why: 'is not a wheel (PEP 427) or sdist (name-version.tar.gz) file name pip can pin' };
  const project = normalizeName(parsed.distribution);
  if (!PROJECT.test(project)) {
    return { why: `names project ${quote(project)}, which is not a valid requirement name (PEP 508: letters, digits, - _ and ., a letter or digit at each end)` };
  }
  // pip reads a wheel file name's version with `_` as `-` (the escape PEP 427 makes); an sdist's as written.
  const version = parsed.kind === 'wheel' ? parsed.version.replace(/_/g, '-') : parsed.version;
  const key = versionKey(version);
  if (!VERSION_CHARACTERS.test(version) || key === undefined) return { why: `has version ${quote(version)}, which is not a PEP 440 version a requirement can pin` };
  if (!SHA256.test(file.sha256)) return { why: `has sha256 ${quote(file.sha256)}, which is not 64 lowercase hex digits` };
  return { project, version, key };
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The requirements file for `files`: a header comment, then one line per
 * project and version sorted by normalised name, hashes sorted. A file that
 * cannot be pinned, or two versions of one project, is a problem naming the
 * files, and then there is no text: pip would refuse the file, or install
 * something other than what the run verified.
 */
export function requirementsText(files: readonly PinnedFile[], context: RequirementsContext): RequirementsText {
  const problems: Problem[] = [];
  const lines = new Map<string, Line>();
  const versions = new Map<string, Map<string, Line>>();
  for (const file of [...files].sort(byName)) {
    const pin = pinOf(file);
    if ('why' in pin) {
      problems.push({ message: `${quote(file.name)} ${pin.why}; ${context.file} was not written: leave the file out with pattern, or leave requirements empty` });
      continue;
    }
    const ofProject = versions.get(pin.project) ?? new Map<string, Line>();
    versions.set(pin.project, ofProject);
    const line = ofProject.get(pin.key) ?? { project: pin.project, version: pin.version, files: [] };
    ofProject.set(pin.key, line);
    lines.set(`${pin.project} ${pin.key}`, line);
    line.files.push(file);
  }
  for (const [project, ofProject] of versions) {
    if (ofProject.size < 2) continue;
    const each = [...ofProject.values()].map((line) => `${line.version} (${line.files.map((f) => f.name).join(', ')})`);
    problems.push({
      message:
        `${project}: ${ofProject.size} versions, ${each.join(' and ')}; pip installs one version of a project and refuses a requirements file pinning two, ` +
        `so ${context.file} was not written: collect one version (pattern, expected) or leave requirements empty`,
    });
  }
  if (problems.length > 0) return { problems, lines: 0 };
  const sorted = [...lines.values()].sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
  const body = sorted.map((line) => `${line.project}==${line.version} ${[...new Set(line.files.map((f) => f.sha256))].sort().map((sha256) => `--hash=sha256:${sha256}`).join(' ')}\n`);
  const header = [
    `# Written by wheel-guard ${context.command}: the ${files.length} verified file(s), one line per project and version, each file pinned by its sha256.`,
    '# Install them offline; pip refuses any file whose bytes differ:',
    `#   pip install --no-index --find-links ${context.findLinks ?? 'DIR'} --require-hashes -r ${context.file}`,
  ].map((comment) => `${plain(comment)}\n`);
  return { text: header.join('') + body.join(''), problems, lines: sorted.length };
}
