/**
 * post-build's `attest: true`: one build provenance attestation for every
 * wheel the run parked, made by @actions/attest exactly as
 * actions/attest-build-provenance makes it (an SLSA v1 predicate from the
 * job's OIDC token, signed through Sigstore: the public-good instance for a
 * public repository, GitHub's own for a private one) and stored by GitHub's
 * attestations API, where collect's `attested-by` finds it by each wheel's
 * sha256.
 */
import { AttestationsApiError } from '../core/attestations.js';
import { messageOf } from '../core/errors.js';
import { exportsOf } from '../core/modules.js';

/** The attestation stored: its id and the page GitHub shows it on. */
export interface MadeAttestation {
  id: string;
  url: string;
  /** The Rekor log index, for a public repository's attestation. */
  logIndex?: string;
  subjects: number;
}

/** What a job needs before it can attest: said in one line, before any signing. */
export function attestPrerequisites(env: NodeJS.ProcessEnv, token: string): string | undefined {
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    return 'attest: this job cannot get an OIDC token; give the job permissions id-token: write and attestations: write (attest runs in GitHub Actions only)';
  }
  if (!token) return 'attest: github-token is empty; the default ${{ github.token }} with attestations: write stores the attestation';
  if (!env.GITHUB_REPOSITORY) return 'attest: GITHUB_REPOSITORY is not set; attest runs in GitHub Actions only';
  return undefined;
}

/** Signs and stores one attestation whose subjects are `files` (name and sha256 each). */
export async function attestFiles(files: readonly { name: string; sha256: string }[], token: string, env: NodeJS.ProcessEnv = process.env): Promise<MadeAttestation> {
  const prerequisite = attestPrerequisites(env, token);
  if (prerequisite) throw new AttestationsApiError(prerequisite);
  const subjects = files.map((file) => ({ name: file.name, digest: { sha256: file.sha256 } }));
  // @actions/attest, its Sigstore signer and Octokit: loaded only by a run that attests.
  const { attestProvenance } = exportsOf(await import('@actions/attest'), 'attestProvenance');
  let made;
  try {
    made = await attestProvenance({ subjects, token });
  } catch (error: unknown) {
    const message = messageOf(error);
    const hint = /403|Resource not accessible|permission/i.test(message)
      ? '; the job needs permissions attestations: write (and id-token: write)'
      : /ID token|OIDC/i.test(message)
        ? '; the job needs permissions id-token: write'
        : '';
    throw new AttestationsApiError(`attest: ${message}${hint}`, { cause: error });
  }
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const id = made.attestationID ?? '';
  return {
    id,
    url: id ? `${server}/${env.GITHUB_REPOSITORY}/attestations/${id}` : '',
    ...(made.tlogID !== undefined ? { logIndex: String(made.tlogID) } : {}),
    subjects: subjects.length,
  };
}
