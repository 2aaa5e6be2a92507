/** The root action: one entry for the Marketplace, `mode` picks post-build or collect. */
import * as core from '@actions/core';
import { run as collect } from '../collect/run.js';
import { keepHeapSmall } from '../core/heap.js';
import { getChoice } from '../core/inputs.js';
import { Inputs } from '../core/inputs.js';
import { run as postBuild } from '../post-build/run.js';

enum Mode {
  PostBuild = 'post-build',
  Collect = 'collect',
}

keepHeapSmall();
try {
  const mode = getChoice((name) => core.getInput(name), Inputs.Mode, Mode, '' as Mode);
  if (mode === Mode.PostBuild) await postBuild();
  else if (mode === Mode.Collect) await collect();
  else core.setFailed(`${Inputs.Mode}: required; set it to ${Object.values(Mode).join(' or ')}`);
} catch (error: unknown) {
  core.setFailed(error instanceof Error ? error.message : String(error));
}
