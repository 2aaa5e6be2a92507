/** post-build's inputs, parsed and checked once. */
import { readOnlyMessage } from '../containers/http.js';
import { InputError } from '../core/errors.js';
import { type CommonInputs, getBoolean, getChoice, getCommonInputs, type InputGetter, Inputs, NoFilesFound } from '../core/inputs.js';

export { NoFilesFound };

export interface PostBuildInputs extends CommonInputs {
  ifNoFilesFound: NoFilesFound;
  /** Replace a remote wheel of the same name with a different hash. */
  overwrite: boolean;
  /** Also write `<wheel>.sha256` beside each local wheel. */
  localSidecars: boolean;
  /** `attest: true`: one build provenance attestation for the parked wheels, stored with this token (post-build/attest). */
  attest?: { token: string };
}

/** Reads and validates every input; throws InputError on the first bad one. */
export function getPostBuildInputs(get: InputGetter, cwd: string = process.cwd()): PostBuildInputs {
  // Refused before anything else: a build job of a matrix is one of many, the index has one writer.
  if (get(Inputs.Index).trim() !== '') {
    throw new InputError(`${Inputs.Index}: the index has one writer, the release job: run it from collect (index: a directory or container), not from post-build`);
  }
  const common = getCommonInputs(get, 'wheelhouse', cwd);
  // Refused before any wheel is hashed: nothing can be written to a web address.
  if (common.container.readOnly) throw new InputError(readOnlyMessage(common.container.url));
  return {
    ...common,
    ifNoFilesFound: getChoice(get, Inputs.IfNoFilesFound, NoFilesFound, NoFilesFound.Error),
    overwrite: getBoolean(get, Inputs.Overwrite, false),
    localSidecars: getBoolean(get, Inputs.LocalSidecars, false),
    ...(getBoolean(get, Inputs.Attest, false) ? { attest: { token: get(Inputs.GithubToken).trim() } } : {}),
  };
}
