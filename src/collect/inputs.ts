/** collect's inputs, parsed and checked once. */
import { type CommonInputs, getCommonInputs, getInteger, getList, type InputGetter, Inputs } from '../core/inputs.js';

export interface CollectInputs extends CommonInputs {
  /** Globs that must each match at least one verified file. */
  expected: string[];
  /** Seconds to keep polling for pairs still arriving. */
  wait: number;
}

/** Reads and validates every input; throws InputError on the first bad one. */
export function getCollectInputs(get: InputGetter, cwd: string = process.cwd()): CollectInputs {
  return {
    ...getCommonInputs(get, 'dist', cwd),
    expected: getList(get, Inputs.Expected, []),
    wait: getInteger(get, Inputs.Wait, 0, 0, 6 * 3600),
  };
}
