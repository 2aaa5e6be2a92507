import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import {
  serveChecks
} from "../chunks/chunk-RQOBEBPV.js";
import "../chunks/chunk-IMTOK44H.js";
import "../chunks/chunk-735RXGZ6.js";

// src/worker/index.ts
import { parentPort } from "node:worker_threads";
if (!parentPort) throw new Error("dist/worker/index.js runs as a worker thread of wheel-guard, not on its own");
serveChecks(parentPort);
