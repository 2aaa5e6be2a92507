/** collect's inputs, parsed and checked once. */
import { resolve } from 'node:path';
import { type CommonInputs, getChoice, getCommonInputs, getInteger, getList, type InputGetter, Inputs, NoFilesFound, samePath } from '../core/inputs.js';
import { getRequirementsTarget, type RequirementsTarget } from '../core/requirements-file.js';
import { getIndexTarget, type IndexTarget } from '../core/index-writer.js';
import { type AttestationSettings, getAttestationSettings } from '../core/attestations.js';

export interface CollectInputs extends CommonInputs {
  /** Globs that must each match at least one verified file. */
  expected: string[];
  /** Seconds to keep polling for pairs still arriving. */
  wait: number;
  /** What a container with no pair at all means: an error by default (a typo in the prefix). */
  ifNoFilesFound: NoFilesFound;
  /**
   * The `digests` input: a SHA256SUMS file whose digests are the truth, as
   * given, and the directory it is relative to. Read (and refused if
   * unreadable, malformed or empty) when the run starts: core/digests loadDigests.
   */
  digests?: {
    given: string;
    cwd: string;
    /**
     * `sha256sums` names the same file (both default to SHA256SUMS): the run
     * leaves it as it is rather than overwrite the truth with what it verified.
     */
    isSha256Sums?: boolean;
  };
  /** The `requirements` input: where to write a `pip install --require-hashes` file of the verified files (core/requirements-file). */
  requirements?: RequirementsTarget;
  /** The `index` input: where to write a PEP 503/691 simple index of the verified files (core/index-writer). */
  index?: IndexTarget;
  /** The `attested-by` input (with `trusted-root` and `github-token`): each wheel needs a build provenance attestation that workflow signed (core/attestations). */
  attestations?: AttestationSettings;
}

/** The `digests` input, if set, resolved against the working directory when read. */
function getDigests(get: InputGetter, sha256sums: string, cwd: string): CollectInputs['digests'] {
  const given = get(Inputs.Digests).trim();
  if (given === '') return undefined;
  // Both default to SHA256SUMS: the release's digests are never overwritten with what one run verified.
  return { given, cwd, ...(samePath(resolve(cwd, given), sha256sums) ? { isSha256Sums: true } : {}) };
}

/** Reads and validates every input; throws InputError on the first bad one. */
export function getCollectInputs(get: InputGetter, cwd: string = process.cwd()): CollectInputs {
  const common = getCommonInputs(get, 'dist', cwd);
  const digests = getDigests(get, common.sha256sums, cwd);
  const requirements = getRequirementsTarget(get, { cwd, distDir: common.path, others: { [Inputs.Sha256Sums]: common.sha256sums, [Inputs.Digests]: digests?.given } });
  return {
    ...common,
    expected: getList(get, Inputs.Expected, []),
    wait: getInteger(get, Inputs.Wait, 0, 0, 6 * 3600),
    ifNoFilesFound: getChoice(get, Inputs.IfNoFilesFound, NoFilesFound, NoFilesFound.Error),
    ...(digests ? { digests } : {}),
    ...(requirements ? { requirements } : {}),
    ...indexOf(get, cwd, common.path),
    ...attestationsOf(get, common, cwd),
  };
}

/** The `index` input, opened (a directory of its own, never inside `path`), if set. */
function indexOf(get: InputGetter, cwd: string, path: string): { index?: IndexTarget } {
  const index = getIndexTarget(get, { cwd, distDir: path });
  return index ? { index } : {};
}

/** The `attested-by` input with `trusted-root` and `github-token`, if set. */
export function attestationsOf(get: InputGetter, common: { retries: number; timeout: number }, cwd: string): { attestations?: AttestationSettings } {
  const attestations = getAttestationSettings({ attestedBy: get(Inputs.AttestedBy), trustedRoot: get(Inputs.TrustedRoot), token: get(Inputs.GithubToken) }, common, cwd);
  return attestations ? { attestations } : {};
}
