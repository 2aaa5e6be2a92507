/** collect's inputs, parsed and checked once. */
import { type CommonInputs, getChoice, getCommonInputs, getInteger, getList, type InputGetter, Inputs, NoFilesFound } from '../core/inputs.js';

export interface CollectInputs extends CommonInputs {
  /** Globs that must each match at least one verified file. */
  expected: string[];
  /** Seconds to keep polling for pairs still arriving. */
  wait: number;
  /** What a container with no pair at all means: an error by default (a typo in the prefix). */
  ifNoFilesFound: NoFilesFound;
}

/** Reads and validates every input; throws InputError on the first bad one. */
export function getCollectInputs(get: InputGetter, cwd: string = process.cwd()): CollectInputs {
  return {
    ...getCommonInputs(get, 'dist', cwd),
    expected: getList(get, Inputs.Expected, []),
    wait: getInteger(get, Inputs.Wait, 0, 0, 6 * 3600),
    ifNoFilesFound: getChoice(get, Inputs.IfNoFilesFound, NoFilesFound, NoFilesFound.Error),
  };
}
