import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import {
  CheckPool,
  Inputs,
  NoFilesFound,
  actionInputs,
  actionReporter,
  admitListing,
  countedRetry,
  downloadVerified,
  fileProblem,
  finishAction,
  getChoice,
  getCommonInputs,
  getInteger,
  getList,
  matchesAny,
  pairListing,
  parseSha256Sums,
  readSidecar,
  readSidecarRetrying,
  retry,
  runPool,
  sameDistribution,
  sidecarName,
  verifiedFiles,
  writeSha256Sums
} from "./chunk-LSHMDS43.js";
import {
  ContainerError,
  ContentError,
  InputError,
  IntegrityError,
  LimitError,
  MAX_SUMS_BYTES,
  NotRegularFileError,
  SidecarFormatError,
  WheelGuardError,
  lockDirectory,
  lstatOrNothingSync,
  messageOf,
  openRegular,
  plain,
  quote,
  readBounded
} from "./chunk-HHY642FY.js";

// src/collect/run.ts
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

// src/core/digests.ts
import { resolve } from "node:path";
var DigestConflictError = class extends WheelGuardError {
};
function sidecarSource(name, sha256) {
  return { sha256, from: `its sidecar ${sidecarName(name)}` };
}
function digestShape(value) {
  if (!/^[0-9a-fA-F]*$/.test(value)) return `holds characters that are not hex digits (${value.length} characters)`;
  if (value.length !== 64) return `has ${value.length} hex digits; a sha256 has 64`;
  return void 0;
}
function listedLabel(entry, where) {
  return entry.listedFrom ? plain(entry.listedFrom) : `the listing of ${where}`;
}
function listedSource(entry, where) {
  if (entry.listedSha256 === void 0) return {};
  const from = listedLabel(entry, where);
  const shape = digestShape(entry.listedSha256);
  if (shape) return { problem: { message: `${entry.name}: ${from} states a digest that ${shape}; it was not downloaded` } };
  return { source: { sha256: entry.listedSha256.toLowerCase(), from } };
}
function disagreement(sources) {
  const first = sources[0];
  const other = first && sources.find((source) => source.sha256 !== first.sha256);
  return first && other ? [first, other] : void 0;
}
function conflictMessage(name, [a, b], outcome = "refused without downloading it") {
  return `${name}: its digests disagree: ${a.from} says sha256 ${a.sha256}, ${b.from} says ${b.sha256}; ${outcome}`;
}
function agreedDigest(name, sources, outcome) {
  const conflict = disagreement(sources);
  if (conflict) throw new DigestConflictError(conflictMessage(name, conflict, outcome));
  const first = sources[0];
  if (!first) throw new DigestConflictError(noDigestMessage(name, "the listing", true));
  return first.sha256;
}
function noDigestMessage(name, where, statesDigests) {
  const sidecar = sidecarName(name);
  if (!statesDigests) return `${name}: no sidecar ${sidecar} in ${where}; its upload never finished, or post-build did not put it there`;
  return `${name}: no digest: no ${sidecar} sidecar in ${where}, and the listing states none; it is never downloaded unverified`;
}
function planListing(entries, patterns, options) {
  const { where, truth, refused } = options;
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const pairing = pairListing(byName.keys(), patterns);
  const withSidecar = new Set(pairing.pairs);
  const plan = { files: [], problems: [], unverifiable: [], pending: 0, ignored: [] };
  const refuse = (name, message, pending = false) => {
    plan.problems.push({ message });
    plan.unverifiable.push(name);
    if (pending) plan.pending++;
  };
  for (const name of [...pairing.pairs, ...pairing.withoutSidecar].sort()) {
    const entry = byName.get(name);
    const sidecar = withSidecar.has(name);
    if (!sidecar && refused.has(sidecarName(name))) continue;
    const known = [];
    const listed = listedSource(entry, where);
    if (listed.problem) {
      refuse(name, listed.problem.message);
      continue;
    }
    if (listed.source) known.push(listed.source);
    if (truth) {
      const sha256 = truth.sums.get(name);
      if (sha256 === void 0) {
        refuse(name, `${name}: not in ${truth.file}: not part of this release; it was not downloaded (narrow pattern to the release's files, or list it in ${truth.file})`);
        continue;
      }
      known.push({ sha256, from: truth.file });
    }
    const conflict = disagreement(known);
    if (conflict) {
      refuse(name, conflictMessage(name, conflict));
      continue;
    }
    if (!sidecar && known.length === 0) {
      refuse(name, noDigestMessage(name, where, options.statesDigests || truth !== void 0), true);
      continue;
    }
    plan.files.push({ name, sidecar, known, ...entry.yanked !== void 0 ? { yanked: entry.yanked } : {} });
  }
  for (const name of pairing.withoutDistribution) {
    if (refused.has(name) || truth?.sums.has(name)) continue;
    refuse(name, `${name}: ${sidecarName(name)} is in ${where} but the wheel itself is not; re-run post-build for it`, true);
  }
  if (truth) {
    for (const name of [...truth.sums.keys()].sort()) {
      if (!matchesAny(name, patterns)) {
        plan.ignored.push(name);
      } else if (!byName.has(name) && !refused.has(name)) {
        refuse(name, `${name}: listed in ${truth.file} but not in ${where}`, true);
      }
    }
  }
  return plan;
}
async function loadDigests(given, cwd, input = "digests") {
  const path = resolve(cwd, given);
  const fix = `give the release's SHA256SUMS file, one "<sha256>  <file name>" line per file as sha256sum prints it (sha256sum *.whl > SHA256SUMS)`;
  let text;
  try {
    const handle = await openRegular(path, given);
    try {
      text = (await readBounded(handle.createReadStream(), MAX_SUMS_BYTES, given)).toString("utf8");
    } finally {
      await handle.close().catch(() => void 0);
    }
  } catch (error) {
    if (error.code === "ENOENT") throw new InputError(`${input}: ${given} not found (looked for ${path}); ${fix}`);
    if (error instanceof LimitError) throw new InputError(`${input}: ${messageOf(error)}; ${fix}`);
    throw new InputError(`${input}: cannot read ${given}: ${messageOf(error)}; ${fix}`);
  }
  let sums;
  try {
    sums = parseSha256Sums(text, given);
  } catch (error) {
    if (error instanceof SidecarFormatError) throw new InputError(`${input}: ${error.message}; ${fix}`);
    throw error;
  }
  if (sums.size === 0) throw new InputError(`${input}: ${given} lists no file; ${fix}`);
  return { file: given, sums };
}
function yankedMessage(name, reason, where) {
  return `${name}: yanked in ${where}${reason.trim() === "" ? " (no reason given)" : `, reason: ${quote(reason)}`}; pip installs a yanked file only when a requirement pins its exact version (PEP 592)`;
}

// src/collect/inputs.ts
import { resolve as resolve2 } from "node:path";
function getDigests(get, sha256sums, cwd) {
  const given = get(Inputs.Digests).trim();
  if (given === "") return void 0;
  return { given, cwd, ...resolve2(cwd, given) === sha256sums ? { isSha256Sums: true } : {} };
}
function getCollectInputs(get, cwd = process.cwd()) {
  const common = getCommonInputs(get, "dist", cwd);
  const digests = getDigests(get, common.sha256sums, cwd);
  return {
    ...common,
    expected: getList(get, Inputs.Expected, []),
    wait: getInteger(get, Inputs.Wait, 0, 0, 6 * 3600),
    ifNoFilesFound: getChoice(get, Inputs.IfNoFilesFound, NoFilesFound, "error" /* Error */),
    ...digests ? { digests } : {}
  };
}

// src/collect/run.ts
var POLL_SECONDS = 5;
var sleep = (ms) => new Promise((resolve3) => setTimeout(resolve3, ms));
function complete(plan, expected) {
  return plan.pending === 0 && expected.every((pattern) => plan.files.some((file) => matchesAny(file.name, [pattern])));
}
async function listPairs(inputs, truth, reporter) {
  const deadline = Date.now() + inputs.wait * 1e3;
  const { container } = inputs;
  for (; ; ) {
    const listed = await retry(() => container.list(), { retries: inputs.retries });
    const { entries, problems, refused } = admitListing(listed, inputs.patterns, container.url);
    const statesDigests = container.readOnly === true || entries.some((entry) => entry.listedSha256 !== void 0);
    const plan = planListing(entries, inputs.patterns, { where: container.url, refused, statesDigests, ...truth ? { truth } : {} });
    const remaining = deadline - Date.now();
    if (complete(plan, inputs.expected) || remaining <= 0) {
      return { plan, sizes: new Map(entries.map((entry) => [entry.name, entry.size])), problems };
    }
    const what = truth ? `file(s) still missing (listed in ${truth.file}, or unpaired)` : "unpaired file(s)";
    reporter.info(`waiting for ${plan.pending} ${what} or expected wheels; ${Math.ceil(remaining / 1e3)} s left`);
    await sleep(Math.min(POLL_SECONDS * 1e3, remaining));
  }
}
var sameFile = (a, b) => a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs;
async function inspect(target, name, checks, check) {
  const info = lstatOrNothingSync(target);
  if (!info) return void 0;
  if (!info.isFile()) return { info };
  const checked = await checks.run({ path: target, fileName: name, hash: true, check: check !== void 0, strict: check?.strict ?? false, regular: true }).catch((error) => {
    if (error instanceof NotRegularFileError || error.syscall === "open") return void 0;
    throw error;
  });
  if (!checked?.sha256) return { info };
  return { info, digest: { sha256: checked.sha256, size: checked.size }, ...check ? { checked } : {} };
}
var SidecarsAhead = class {
  constructor(container, files, ahead, idleMs) {
    this.container = container;
    this.files = files;
    this.ahead = ahead;
    this.idleMs = idleMs;
  }
  container;
  files;
  ahead;
  idleMs;
  reads = /* @__PURE__ */ new Map();
  next = 0;
  /** Starts the reads of the sidecars after file `index`, up to `ahead` of them. */
  startAfter(index) {
    this.next = Math.max(this.next, index + 1);
    for (; this.next < Math.min(this.files.length, index + 1 + this.ahead); this.next++) {
      const file = this.files[this.next];
      if (!file.sidecar) continue;
      this.reads.set(file.name, readSidecar(this.container, file.name, this.idleMs).catch(() => void 0));
    }
  }
  /** The sidecar's digest read ahead, or undefined (not read ahead, or that read failed); each is handed out once. */
  take(name) {
    const read = this.reads.get(name) ?? Promise.resolve(void 0);
    this.reads.delete(name);
    return read;
  }
};
async function collectOne(container, file, size, inputs, reporter, problems, placed, ahead) {
  const { name } = file;
  const { options: retryOptions, attempts } = countedRetry(inputs.retries, reporter);
  const sidecarOptions = { ...retryOptions, idleTimeoutMs: inputs.timeout * 1e3 };
  const target = join(inputs.path, name);
  const judge = ({ contentError, warnings = [] }) => {
    if (contentError) throw new ContentError(contentError.file, contentError.member, `${contentError.detail}; ${file.sidecar ? "its sidecar matches" : "its digest matches"}, so it was broken before upload: rebuild it`);
    for (const warning of warnings) reporter.warning(warning.message);
    odd.push(...warnings.map((w) => w.message));
  };
  const checkContents = async (temp) => {
    if (!inputs.checkContents) return;
    judge(await inputs.checks.run({ path: temp, fileName: name, hash: false, check: true, strict: inputs.strict }));
  };
  const odd = [];
  const done = (result) => {
    if (file.yanked !== void 0) {
      const message = yankedMessage(name, file.yanked, container.url);
      reporter.warning(message);
      odd.push(message);
    }
    return odd.length > 0 ? { ...result, warnings: odd } : result;
  };
  const readOwnSidecar = async () => sidecarSource(name, await readSidecarRetrying(container, name, sidecarOptions));
  const before = inputs.before.get(name);
  try {
    const early = file.sidecar ? await ahead : void 0;
    let sidecar = file.sidecar ? early !== void 0 ? sidecarSource(name, early) : await readOwnSidecar() : void 0;
    if (sidecar && disagreement([sidecar, ...file.known])) sidecar = await readOwnSidecar();
    let expected = agreedDigest(name, sidecar ? [sidecar, ...file.known] : file.known);
    const found = await inspect(target, name, inputs.checks, inputs.checkContents ? { strict: inputs.strict } : void 0);
    if (found?.digest?.sha256 === expected) {
      if (found.checked) judge(found.checked);
      placed.push({ name, sha256: expected, info: found.info });
      return done({ name, ...found.digest, status: "already present" /* Present */, attempts: 0 });
    }
    const download = (sha256) => downloadVerified(container, name, sha256, size, inputs.path, {
      ...retryOptions,
      onProgress: (bytes, total) => reporter.progress(name, bytes, total),
      verify: checkContents,
      idleTimeoutMs: inputs.timeout * 1e3
    });
    let result;
    try {
      result = await download(expected);
    } catch (error) {
      if (!(error instanceof IntegrityError) || !sidecar || file.known.length > 0) throw error;
      const again = await readSidecarRetrying(container, name, sidecarOptions);
      if (again === expected) throw error;
      expected = again;
      result = await download(expected);
    }
    const info = lstatOrNothingSync(target);
    if (info) placed.push({ name, sha256: result.sha256, info });
    return done({ name, sha256: result.sha256, size: result.size, status: "verified" /* Verified */, attempts: result.attempts });
  } catch (error) {
    await removeIfUnchanged(target, before);
    if (error instanceof ContainerError) throw error;
    problems.push(fileProblem(name, error));
    return { name, status: "failed" /* Failed */, attempts: attempts() };
  }
}
async function removeIfUnchanged(target, before) {
  if (!before) return;
  const now = lstatOrNothingSync(target);
  if (now && sameFile(now, before)) await rm(target, { force: true });
}
async function stillPlaced(inputs, placed, problems, files) {
  for (const file of placed) {
    const target = join(inputs.path, file.name);
    const now = lstatOrNothingSync(target);
    if (now && sameFile(now, file.info)) continue;
    const found = now ? await inspect(target, file.name, inputs.checks).catch(() => void 0) : void 0;
    if (found?.digest?.sha256 === file.sha256) continue;
    problems.push({
      message: `${file.name}: verified, then ${now ? "replaced" : "removed"} in ${inputs.path} by another process during this run; collect into a directory no other job writes to`
    });
    const result = files.find((f) => f.name === file.name);
    if (result) result.status = "failed" /* Failed */;
  }
}
async function collect(inputs, reporter) {
  try {
    const truth = inputs.digests ? await loadDigests(inputs.digests.given, inputs.digests.cwd, Inputs.Digests) : void 0;
    await mkdir(inputs.path, { recursive: true });
    const lock = await lockDirectory(inputs.path);
    try {
      return await collectPairs(inputs, truth, reporter);
    } finally {
      await lock.release();
    }
  } finally {
    await inputs.container.finish?.();
  }
}
function listingProblems(inputs, listing, truth, reporter) {
  const { container } = inputs;
  const { plan } = listing;
  const problems = [...listing.problems, ...plan.problems];
  if (truth && plan.ignored.length > 0) {
    const shown = plan.ignored.slice(0, 20).join(", ") + (plan.ignored.length > 20 ? ` and ${plan.ignored.length - 20} more` : "");
    reporter.info(`${truth.file} also lists ${plan.ignored.length} file(s) that pattern ${inputs.patterns.join(", ")} does not select, ignored: ${shown}`);
  }
  const { unique, problems: twins } = sameDistribution(
    plan.files.map((file) => file.name),
    container.url
  );
  problems.push(...twins);
  const kept = new Set(unique);
  const files = plan.files.filter((file) => kept.has(file.name));
  const byDigest = truth !== void 0 || container.readOnly === true;
  if (files.length === 0 && !(byDigest && plan.problems.length > 0)) {
    const what = byDigest ? "file with a digest" : "wheel/sidecar pair";
    const message = `no ${what} matching ${inputs.patterns.join(", ")} in ${container.url}`;
    if (inputs.ifNoFilesFound === "error" /* Error */) {
      problems.push({ message: `${message}; check the container (a typo in the prefix?) and pattern, or set if-no-files-found: warn` });
    } else if (inputs.ifNoFilesFound === "warn" /* Warn */) {
      reporter.warning(message);
    } else {
      reporter.info(message);
    }
  }
  return { files, unpaired: plan.unverifiable, problems };
}
async function snapshot(dir) {
  const found = /* @__PURE__ */ new Map();
  for (const name of await readdir(dir)) {
    if (name.startsWith(".")) continue;
    const info = lstatOrNothingSync(join(dir, name));
    if (info) found.set(name, info);
  }
  return found;
}
async function collectPairs(plainInputs, truth, reporter) {
  const checks = new CheckPool();
  try {
    return await collectPairsWith({ ...plainInputs, before: await snapshot(plainInputs.path), checks }, truth, reporter);
  } finally {
    await checks.close();
  }
}
async function collectPairsWith(inputs, truth, reporter) {
  const { container } = inputs;
  for (const warning of container.warnings ?? []) reporter.warning(warning);
  const listing = await listPairs(inputs, truth, reporter);
  const { files: planned, unpaired, problems } = listingProblems(inputs, listing, truth, reporter);
  for (const name of unpaired) await removeIfUnchanged(join(inputs.path, name), inputs.before.get(name));
  reporter.info(`collect: ${planned.length} file(s) from ${container.url} into ${inputs.path}${truth ? `, checked against ${truth.file}` : ""}`);
  if (inputs.checkContents) inputs.checks.warm(planned.length);
  const placed = [];
  const sidecars = new SidecarsAhead(container, planned, inputs.concurrency, inputs.timeout * 1e3);
  const files = await runPool(planned, inputs.concurrency, async (file, index) => {
    sidecars.startAfter(index);
    const result2 = await collectOne(container, file, listing.sizes.get(file.name), inputs, reporter, problems, placed, sidecars.take(file.name));
    reporter.fileDone(result2);
    return result2;
  });
  await stillPlaced(inputs, placed, problems, files);
  const verified = files.filter((file) => file.status !== "failed" /* Failed */).map((file) => file.name);
  for (const pattern of inputs.expected) {
    if (!verified.some((name) => matchesAny(name, [pattern]))) {
      problems.push({ message: `expected ${pattern}: no verified file matches it in ${container.url}` });
    }
  }
  await warnAboutStrangers(inputs, new Set(files.map((file) => file.name)), reporter);
  const result = { files, problems };
  const done = verifiedFiles(result);
  if (done.length > 0 && inputs.digests?.isSha256Sums) {
    reporter.info(`${inputs.sha256sums} is the digests file this run checked against: left as it is (set sha256sums to another file to have one written)`);
  } else if (done.length > 0) {
    result.sha256sums = await writeSha256Sums(inputs.sha256sums, done);
  }
  return result;
}
async function warnAboutStrangers(inputs, known, reporter) {
  const strangers = (await readdir(inputs.path)).filter((name) => !known.has(name) && !name.startsWith("."));
  if (strangers.length > 0) {
    const shown = strangers.slice(0, 20).map(quote).join(", ") + (strangers.length > 20 ? ` and ${strangers.length - 20} more` : "");
    reporter.warning(
      `${inputs.path} also holds ${shown}, which this run did not verify; \`twine upload\` would upload them too: remove them or collect into an empty directory`
    );
  }
}
async function run() {
  await finishAction("wheel-guard collect", async () => collect(getCollectInputs(actionInputs), actionReporter()));
}

export {
  sidecarSource,
  agreedDigest,
  loadDigests,
  getCollectInputs,
  collect,
  run
};
