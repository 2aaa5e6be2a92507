#!/usr/bin/env node
import { keepHeapSmall } from '../core/heap.js';
import { main } from './main.js';

// @actions/glob logs through @actions/core, which prints ::debug:: lines meant for a runner.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
  typeof chunk === 'string' && chunk.startsWith('::debug::') && !process.env.RUNNER_DEBUG ? true : write(chunk, ...rest)) as typeof process.stdout.write;

const io = {
  stdout: { write: (text: string) => void process.stdout.write(text), isTTY: Boolean(process.stdout.isTTY) },
  // Progress redraws go to stderr, only when a person is watching stdout.
  stderr: { write: (text: string) => void process.stderr.write(text), isTTY: Boolean(process.stdout.isTTY && process.stderr.isTTY) },
};
process.exitCode = await main(process.argv.slice(2), io, process.env.WHEEL_GUARD_VERSION ?? 'dev', keepHeapSmall);
