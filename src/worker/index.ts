/**
 * The worker thread of core/check-pool.ts: hashes and checks the files it is
 * sent, one at a time, and answers with what it found. Bundled on its own
 * (dist/worker/index.js), small, so a worker starts fast.
 */
import { parentPort } from 'node:worker_threads';
import { serveChecks } from '../core/check-wire.js';

if (!parentPort) throw new Error('dist/worker/index.js runs as a worker thread of wheel-guard, not on its own');
serveChecks(parentPort);
