import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import {
  CheckPool,
  Inputs,
  NoFilesFound,
  actionInputs,
  actionReporter,
  admitListing,
  attestedLine,
  countedRetry,
  downloadVerified,
  fileProblem,
  finishAction,
  getAttestationSettings,
  getBoolean,
  getChoice,
  getCommonInputs,
  getInteger,
  getList,
  isInside,
  matchesAny,
  openAttestations,
  openContainer,
  pairListing,
  parseDistributionName,
  parseSha256Sums,
  readSidecar,
  readSidecarRetrying,
  retry,
  runPool,
  sameDistribution,
  samePath,
  sidecarName,
  verifiedFiles,
  verifyRemote,
  writeSha256Sums
} from "./chunk-ZCZBCEC5.js";
import {
  ContainerError,
  ContentError,
  InputError,
  IntegrityError,
  LimitError,
  MAX_METADATA,
  MAX_SUMS_BYTES,
  NotRegularFileError,
  SidecarFormatError,
  WheelGuardError,
  ZipArchive,
  hasUnprintable,
  lockDirectory,
  lstatOrNothingSync,
  messageOf,
  nameKey,
  normalizeName,
  openRegular,
  parseHeaders,
  plain,
  quote,
  readBounded,
  renameOver,
  temporaryName,
  versionKey
} from "./chunk-RQOBEBPV.js";

// src/collect/run.ts
import { mkdir as mkdir2, readdir as readdir2, rm as rm2 } from "node:fs/promises";
import { join as join3 } from "node:path";

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
  const byName2 = new Map(entries.map((entry) => [entry.name, entry]));
  const pairing = pairListing(byName2.keys(), patterns);
  const withSidecar = new Set(pairing.pairs);
  const plan = { files: [], problems: [], unverifiable: [], pending: 0, ignored: [] };
  const refuse = (name, message, pending = false) => {
    plan.problems.push({ message });
    plan.unverifiable.push(name);
    if (pending) plan.pending++;
  };
  for (const name of [...pairing.pairs, ...pairing.withoutSidecar].sort()) {
    const entry = byName2.get(name);
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
      } else if (!byName2.has(name) && !refused.has(name)) {
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

// src/core/requirements-file.ts
import { lstatSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve as resolve2 } from "node:path";

// src/core/requirements.ts
var PROJECT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
var VERSION_CHARACTERS = /^[A-Za-z0-9._+!-]+$/;
var SHA256 = /^[0-9a-f]{64}$/;
function pinOf(file) {
  const parsed = parseDistributionName(file.name);
  if (!parsed) return { why: "is not a wheel (PEP 427) or sdist (name-version.tar.gz) file name pip can pin" };
  const project = normalizeName(parsed.distribution);
  if (!PROJECT.test(project)) {
    return { why: `names project ${quote(project)}, which is not a valid requirement name (PEP 508: letters, digits, - _ and ., a letter or digit at each end)` };
  }
  const version = parsed.kind === "wheel" ? parsed.version.replace(/_/g, "-") : parsed.version;
  const key = versionKey(version);
  if (!VERSION_CHARACTERS.test(version) || key === void 0) return { why: `has version ${quote(version)}, which is not a PEP 440 version a requirement can pin` };
  if (!SHA256.test(file.sha256)) return { why: `has sha256 ${quote(file.sha256)}, which is not 64 lowercase hex digits` };
  return { project, version, key };
}
var byName = (a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
function requirementsText(files, context) {
  const problems = [];
  const lines = /* @__PURE__ */ new Map();
  const versions = /* @__PURE__ */ new Map();
  for (const file of [...files].sort(byName)) {
    const pin = pinOf(file);
    if ("why" in pin) {
      problems.push({ message: `${quote(file.name)} ${pin.why}; ${context.file} was not written: leave the file out with pattern, or leave requirements empty` });
      continue;
    }
    const ofProject = versions.get(pin.project) ?? /* @__PURE__ */ new Map();
    versions.set(pin.project, ofProject);
    const line = ofProject.get(pin.key) ?? { project: pin.project, version: pin.version, files: [] };
    ofProject.set(pin.key, line);
    lines.set(`${pin.project} ${pin.key}`, line);
    line.files.push(file);
  }
  for (const [project, ofProject] of versions) {
    if (ofProject.size < 2) continue;
    const each = [...ofProject.values()].map((line) => `${line.version} (${line.files.map((f) => f.name).join(", ")})`);
    problems.push({
      message: `${project}: ${ofProject.size} versions, ${each.join(" and ")}; pip installs one version of a project and refuses a requirements file pinning two, so ${context.file} was not written: collect one version (pattern, expected) or leave requirements empty`
    });
  }
  if (problems.length > 0) return { problems, lines: 0 };
  const sorted = [...lines.values()].sort((a, b) => a.project < b.project ? -1 : a.project > b.project ? 1 : 0);
  const body = sorted.map((line) => `${line.project}==${line.version} ${[...new Set(line.files.map((f) => f.sha256))].sort().map((sha256) => `--hash=sha256:${sha256}`).join(" ")}
`);
  const header = [
    `# Written by wheel-guard ${context.command}: the ${files.length} verified file(s), one line per project and version, each file pinned by its sha256.`,
    "# Install them offline; pip refuses any file whose bytes differ:",
    `#   pip install --no-index --find-links ${context.findLinks ?? "DIR"} --require-hashes -r ${context.file}`
  ].map((comment) => `${plain(comment)}
`);
  return { text: header.join("") + body.join(""), problems, lines: sorted.length };
}

// src/core/requirements-file.ts
function getRequirementsTarget(get, options) {
  const given = get(Inputs.Requirements).trim();
  if (given === "") return void 0;
  const path = resolve2(options.cwd, given);
  const name = Inputs.Requirements;
  if (options.distDir !== void 0 && isInside(path, resolve2(options.cwd, options.distDir))) {
    throw new InputError(`${name}: ${path} is inside ${options.distDir}; twine upload would try to upload it there, write it elsewhere (e.g. requirements.txt in the working directory)`);
  }
  for (const [other, otherPath] of Object.entries(options.others ?? {})) {
    if (otherPath !== void 0 && samePath(resolve2(options.cwd, otherPath), path)) {
      throw new InputError(`${name}: ${path} is also the ${other} file of this run; give the requirements file a name of its own (e.g. requirements.txt)`);
    }
  }
  if (lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new InputError(`${name}: ${path} is a directory; give the path of the file to write (e.g. ${join(given, "requirements.txt")})`);
  }
  return { path, given };
}
async function writeWhole(path, text) {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), temporaryName(basename(path)));
  try {
    await writeFile(temp, text, { flag: "wx" });
    await renameOver(temp, path, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
async function finishRequirements(result, target, context, reporter) {
  const shown = target.given;
  if (result.problems.length > 0) {
    reporter.info(`requirements: ${shown} not written: this run has ${result.problems.length} problem(s), and it pins only a run whose every file verified; fix them and run again`);
    return;
  }
  const files = verifiedFiles(result);
  if (files.length === 0) {
    reporter.info(`requirements: ${shown} not written: no file was verified`);
    return;
  }
  const { text, problems, lines } = requirementsText(files, { command: context.command, file: shown, ...context.findLinks !== void 0 ? { findLinks: context.findLinks } : {} });
  if (text === void 0) {
    result.problems.push(...problems);
    return;
  }
  try {
    await writeWhole(target.path, text);
  } catch (error) {
    result.problems.push({ message: `requirements: ${shown} could not be written (${messageOf(error)}); give a path in a writable directory` });
    return;
  }
  result.requirements = target.path;
  reporter.info(`requirements: wrote ${shown}: ${lines} line(s) pinning ${files.length} file(s) by sha256`);
}

// src/core/index-writer.ts
import { createHash as createHash2 } from "node:crypto";
import { createReadStream, lstatSync as lstatSync2 } from "node:fs";
import { readdir } from "node:fs/promises";
import { join as join2, resolve as resolve3 } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

// src/core/simple-index.ts
import { createHash } from "node:crypto";
var API_VERSION = "1.1";
var SIMPLE = "simple";
var METADATA_SUFFIX = ".metadata";
var HTML_TYPE = "text/html; charset=utf-8";
var JSON_TYPE = "application/vnd.pypi.simple.v1+json";
var METADATA_TYPE = "text/plain; charset=utf-8";
var MAX_REQUIRES_PYTHON = 256;
var PROJECT2 = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function fileHref(name) {
  return `../../${encodeURIComponent(name)}`;
}
function projectOf(fileName) {
  const parsed = parseDistributionName(fileName);
  if (!parsed) throw new WheelGuardError(`${quote(fileName)}: cannot be indexed: not a wheel or sdist file name (PEP 427, PEP 625); narrow pattern to distributions`);
  const project = normalizeName(parsed.distribution);
  if (!PROJECT2.test(project)) {
    throw new WheelGuardError(`${quote(fileName)}: cannot be indexed: its project name ${quote(parsed.distribution)} is not a valid project name (PEP 508); rebuild it with a valid name`);
  }
  return { project, version: parsed.version, wheel: parsed.kind === "wheel" };
}
async function readWheelMetadata(path, fileName) {
  const parsed = parseDistributionName(fileName);
  const handle = await openRegular(path, fileName);
  try {
    return await metadataOf(await ZipArchive.open(path, fileName, handle.fd), parsed ? normalizeName(parsed.distribution) : void 0);
  } finally {
    await handle.close();
  }
}
async function metadataOf(zip, wanted) {
  try {
    const candidates = zip.members.filter((member2) => {
      const parts = member2.name.split("/");
      if (parts.length !== 2 || parts[1] !== "METADATA" || !parts[0].endsWith(".dist-info")) return false;
      const stem = parts[0].slice(0, -".dist-info".length);
      const dash = stem.lastIndexOf("-");
      return normalizeName(dash > 0 ? stem.slice(0, dash) : stem) === wanted;
    });
    if (candidates.length !== 1) {
      zip.fail(void 0, `cannot be indexed: ${candidates.length === 0 ? "no" : "more than one"} .dist-info/METADATA named like the file; rebuild it (or collect with check-contents on, which refuses such a wheel)`);
    }
    const member = candidates[0];
    zip.checkCap(member, MAX_METADATA, "the largest METADATA of real wheels is under 1 MB");
    await zip.checkLayout();
    return await zip.readWhole(member, MAX_METADATA, "the largest METADATA of real wheels is under 1 MB");
  } finally {
    zip.close();
  }
}
function requiresPythonOf(metadata) {
  const head = metadata.subarray(0, 64 * 1024).toString("utf8");
  const value = parseHeaders(head).get("requires-python")?.[0]?.trim();
  if (!value || value.length > MAX_REQUIRES_PYTHON || hasUnprintable(value)) return void 0;
  return value;
}
async function describeFile(path, file) {
  if (!/^[0-9a-f]{64}$/.test(file.sha256)) throw new Error(`${file.name}: no sha256 to index it by`);
  const { project, version, wheel } = projectOf(file.name);
  const described = { name: file.name, sha256: file.sha256, size: file.size, project, version };
  if (!wheel) return described;
  const bytes = await readWheelMetadata(path, file.name);
  const requiresPython = requiresPythonOf(bytes);
  return { ...described, metadata: { bytes, sha256: createHash("sha256").update(bytes).digest("hex") }, ...requiresPython ? { requiresPython } : {} };
}
function byProject(files) {
  const projects = /* @__PURE__ */ new Map();
  for (const file of [...files].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) {
    projects.set(file.project, [...projects.get(file.project) ?? [], file]);
  }
  return new Map([...projects].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}
var page = (title, body) => `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="${API_VERSION}">
    <title>${escapeHtml(title)}</title>
  </head>
  <body>
${body.join("\n")}
  </body>
</html>
`;
function projectHtml(project, files) {
  const links = files.map((file) => {
    const attributes = [`href="${escapeHtml(`${fileHref(file.name)}#sha256=${file.sha256}`)}"`];
    if (file.requiresPython !== void 0) attributes.push(`data-requires-python="${escapeHtml(file.requiresPython)}"`);
    if (file.metadata) attributes.push(`data-dist-info-metadata="sha256=${file.metadata.sha256}"`, `data-core-metadata="sha256=${file.metadata.sha256}"`);
    return `    <a ${attributes.join(" ")}>${escapeHtml(file.name)}</a><br />`;
  });
  return page(`Links for ${project}`, [`    <h1>Links for ${escapeHtml(project)}</h1>`, ...links]);
}
function projectJson(project, files) {
  const versions = [];
  const seen = /* @__PURE__ */ new Set();
  for (const file of files) {
    const key = versionKey(file.version.replace(/_/g, "-")) ?? file.version;
    if (!seen.has(key)) versions.push(file.version);
    seen.add(key);
  }
  return `${JSON.stringify({
    meta: { "api-version": API_VERSION },
    name: project,
    versions,
    files: files.map((file) => ({
      filename: file.name,
      url: fileHref(file.name),
      hashes: { sha256: file.sha256 },
      ...file.requiresPython !== void 0 ? { "requires-python": file.requiresPython } : {},
      ...file.metadata ? { "core-metadata": { sha256: file.metadata.sha256 } } : {},
      size: file.size,
      yanked: false
    }))
  })}
`;
}
function rootHtml(projects) {
  return page("Simple index", projects.map((project) => `    <a href="${escapeHtml(`${encodeURIComponent(project)}/`)}">${escapeHtml(project)}</a><br />`));
}
function rootJson(projects) {
  return `${JSON.stringify({ meta: { "api-version": API_VERSION }, projects: projects.map((name) => ({ name })) })}
`;
}

// src/core/index-writer.ts
var INDEX_INPUT = Inputs.Index;
var SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
function settingsFrom(get) {
  const endpoint = get(Inputs.Endpoint).trim();
  if (endpoint !== "" && !/^https?:\/\/[^/]+/i.test(endpoint)) throw new InputError(`${Inputs.Endpoint}: "${endpoint}" is not an http(s) URL`);
  const region = get(Inputs.Region).trim();
  const pathStyle = get(Inputs.PathStyle).trim() === "" ? void 0 : getBoolean(get, Inputs.PathStyle, false);
  const sasToken = get(Inputs.SasToken).trim();
  const idleTimeoutMs = getInteger(get, Inputs.Timeout, 30, 1, 3600) * 1e3;
  return {
    s3: { ...endpoint ? { endpoint } : {}, ...region ? { region } : {}, ...pathStyle !== void 0 ? { pathStyle } : {}, idleTimeoutMs },
    azure: { ...endpoint ? { endpoint } : {}, ...sasToken ? { sasToken } : {}, idleTimeoutMs }
  };
}
function getIndexTarget(get, options) {
  const name = options.name ?? INDEX_INPUT;
  const given = (options.value ?? get(INDEX_INPUT)).trim();
  if (given === "") return void 0;
  const scheme = SCHEME.exec(given)?.[1]?.toLowerCase();
  if (scheme === "artifact") {
    throw new InputError(`${name}: ${given} is an Actions artifact, which no web server serves; write the index to a directory (then upload it as a site) or to an s3:// or azure:// container`);
  }
  let dir;
  if (scheme === void 0) dir = resolve3(options.cwd, given);
  else if (scheme === "file") {
    try {
      dir = fileURLToPath(given);
    } catch (error) {
      throw new InputError(`${name}: ${given} is not a valid file:// URL (${messageOf(error)}); use file:///absolute/path`);
    }
  }
  if (dir !== void 0) {
    const distDir = options.distDir === void 0 ? void 0 : resolve3(options.cwd, options.distDir);
    const inPlace = options.inPlace === void 0 ? void 0 : resolve3(options.cwd, options.inPlace);
    if (distDir !== void 0 && dir !== inPlace && isInside(dir, distDir)) {
      throw new InputError(
        `${name}: ${dir} is inside ${options.distDir}, the directory of distributions; twine upload would pick up simple/ and the .metadata files there: give the index a directory of its own (the verified files are copied into it)`
      );
    }
    const info = lstatSync2(dir, { throwIfNoEntry: false });
    if (info && !info.isDirectory()) throw new InputError(`${name}: ${dir} is ${info.isSymbolicLink() ? "a symbolic link" : "a file"}, not a directory; give the directory to write the index into`);
  }
  if (/^https?:\/\/[^?#]*\?/i.test(given)) {
    throw new InputError(`${name}: the address carries a query (a SAS token?); give the token as ${Inputs.SasToken} or AZURE_STORAGE_SAS_TOKEN, where it is masked, and the address without it`);
  }
  const settings = settingsFrom(get);
  const root = openContainer(dir ?? given, options.cwd, settings);
  if (root.readOnly) {
    throw new InputError(`${name}: ${root.url} is a web address, which nothing can be written to; give a directory (served by your web server) or an s3:// or azure:// container`);
  }
  const child = (segments) => {
    if (dir !== void 0) return join2(dir, ...segments);
    if (/^https?:/i.test(given)) {
      const url = new URL(given);
      url.pathname = `${url.pathname.replace(/\/+$/, "")}/${segments.join("/")}`;
      return url.toString();
    }
    return `${given.replace(/\/+$/, "")}/${segments.join("/")}`;
  };
  const folders = /* @__PURE__ */ new Map();
  return {
    given,
    root,
    ...dir !== void 0 ? { dir } : {},
    folder(...segments) {
      const key = segments.join("/");
      let container = folders.get(key);
      if (!container) folders.set(key, container = openContainer(child(segments), options.cwd, settings));
      return container;
    },
    simple: dir !== void 0 ? join2(dir, SIMPLE) : `${root.url.replace(/\/?$/, "/")}${SIMPLE}/`,
    async finish() {
      for (const container of [root, ...folders.values()]) await container.finish?.();
    }
  };
}
async function finishIndex(result, target, options, reporter) {
  if (result.problems.length > 0) {
    reporter.info(`index: ${target.given} not written: this run has ${result.problems.length} problem(s), and an index lists only a run whose every file verified; fix them and run again`);
    return;
  }
  const verified = verifiedFiles(result);
  if (verified.length === 0) {
    reporter.info(`index: ${target.given} not written: no file verified`);
    return;
  }
  const problems = [];
  const described = [];
  await runPool(verified, options.concurrency, async (file) => {
    try {
      described.push(await describeFile(join2(options.fromDir, file.name), file));
    } catch (error) {
      problems.push(fileProblem(file.name, error, join2(options.fromDir, file.name)));
    }
  });
  if (problems.length === 0) {
    try {
      result.index = await writeIndex(target, described, options, reporter);
    } catch (error) {
      problems.push({ message: `index: writing ${target.simple} failed: ${messageOf(error)}; simple/index.html, written last, still lists what it listed before: run ${options.command} again` });
    }
  }
  if (problems.length > 0) {
    result.problems.push(...problems);
    reporter.info(`index: ${target.given} not written (or not whole), see the problems`);
  }
}
async function put(container, name, bytes, contentType, retryOptions) {
  const digest = { sha256: createHash2("sha256").update(bytes).digest("hex"), size: bytes.length };
  await retry(async () => {
    await container.write(name, Readable.from([bytes]), { ...digest, contentType });
    await verifyRemote(container, name, digest);
  }, retryOptions);
}
async function copy(container, file, from, retryOptions, reporter) {
  const digest = { sha256: file.sha256, size: file.size };
  const onProgress = (bytes) => reporter.progress(file.name, bytes, file.size);
  await retry(async () => {
    if (container.writeFile) await container.writeFile(file.name, from, { ...digest, onProgress });
    else await container.write(file.name, createReadStream(from), digest);
    await verifyRemote(container, file.name, digest);
  }, retryOptions);
}
async function writeIndex(target, files, options, reporter) {
  const { options: retryOptions } = countedRetry(options.retries, reporter);
  const projects = byProject(files);
  const inPlace = target.dir !== void 0 ? samePath(resolve3(options.fromDir), target.dir) : options.sourceUrl !== void 0 && options.sourceUrl === target.root.url;
  try {
    if (!inPlace) {
      await runPool(files, options.concurrency, (file) => copy(target.root, file, join2(options.fromDir, file.name), retryOptions, reporter));
    }
    const wheels = files.filter((file) => file.metadata);
    await runPool(wheels, options.concurrency, (file) => put(target.root, `${file.name}${METADATA_SUFFIX}`, file.metadata.bytes, METADATA_TYPE, retryOptions));
    await runPool([...projects], options.concurrency, async ([project, listed]) => {
      const folder = target.folder(SIMPLE, project);
      await put(folder, "index.json", Buffer.from(projectJson(project, listed)), JSON_TYPE, retryOptions);
      await put(folder, "index.html", Buffer.from(projectHtml(project, listed)), HTML_TYPE, retryOptions);
    });
    const names = [...projects.keys()];
    const simple = target.folder(SIMPLE);
    await put(simple, "index.json", Buffer.from(rootJson(names)), JSON_TYPE, retryOptions);
    await put(simple, "index.html", Buffer.from(rootHtml(names)), HTML_TYPE, retryOptions);
  } finally {
    await target.finish();
  }
  reporter.info(
    `index: ${projects.size} project(s), ${files.length} file(s) in ${target.simple}` + (inPlace ? ` (the files stay where they were verified, ${target.dir ?? target.root.url})` : `, the files copied to ${target.dir ?? target.root.url}`)
  );
  if (target.dir !== void 0) await warnAboutOthers(target, new Set(projects.keys()), reporter);
  return target.simple;
}
async function warnAboutOthers(target, written, reporter) {
  const entries = await readdir(join2(target.dir, SIMPLE), { withFileTypes: true }).catch(() => []);
  const others = entries.filter((entry) => entry.isDirectory() && !written.has(entry.name)).map((entry) => quote(entry.name));
  if (others.length === 0) return;
  const shown = others.slice(0, 20).join(", ") + (others.length > 20 ? ` and ${others.length - 20} more` : "");
  reporter.warning(
    `index: ${target.simple} also holds ${shown}, from an earlier run: simple/index.html no longer lists them, but their pages still answer; write each release's index to a directory of its own, or remove them`
  );
}

// src/collect/inputs.ts
import { resolve as resolve4 } from "node:path";
function getDigests(get, sha256sums, cwd) {
  const given = get(Inputs.Digests).trim();
  if (given === "") return void 0;
  return { given, cwd, ...samePath(resolve4(cwd, given), sha256sums) ? { isSha256Sums: true } : {} };
}
function getCollectInputs(get, cwd = process.cwd()) {
  const common = getCommonInputs(get, "dist", cwd);
  const digests = getDigests(get, common.sha256sums, cwd);
  const requirements = getRequirementsTarget(get, { cwd, distDir: common.path, others: { [Inputs.Sha256Sums]: common.sha256sums, [Inputs.Digests]: digests?.given } });
  return {
    ...common,
    expected: getList(get, Inputs.Expected, []),
    wait: getInteger(get, Inputs.Wait, 0, 0, 6 * 3600),
    ifNoFilesFound: getChoice(get, Inputs.IfNoFilesFound, NoFilesFound, "error" /* Error */),
    ...digests ? { digests } : {},
    ...requirements ? { requirements } : {},
    ...indexOf(get, cwd, common.path),
    ...attestationsOf(get, common, cwd)
  };
}
function indexOf(get, cwd, path) {
  const index = getIndexTarget(get, { cwd, distDir: path });
  return index ? { index } : {};
}
function attestationsOf(get, common, cwd) {
  const attestations = getAttestationSettings({ attestedBy: get(Inputs.AttestedBy), trustedRoot: get(Inputs.TrustedRoot), token: get(Inputs.GithubToken) }, common, cwd);
  return attestations ? { attestations } : {};
}

// src/collect/run.ts
var POLL_SECONDS = 5;
var sleep = (ms) => new Promise((resolve5) => setTimeout(resolve5, ms));
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
  const target = join3(inputs.path, name);
  const judge = ({ contentError, warnings = [] }) => {
    if (contentError) throw new ContentError(contentError.file, contentError.member, `${contentError.detail}; ${file.sidecar ? "its sidecar matches" : "its digest matches"}, so it was broken before upload: rebuild it`);
    for (const warning of warnings) reporter.warning(warning.message);
    odd.push(...warnings.map((w) => w.message));
  };
  const checkContents = async (temp) => {
    if (!inputs.checkContents) return;
    judge(await inputs.checks.run({ path: temp, fileName: name, hash: false, check: true, strict: inputs.strict }));
  };
  const attested = async (sha256) => {
    if (inputs.attestor) reporter.info(attestedLine(name, await inputs.attestor.check(name, sha256)));
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
  const before = inputs.before.get(nameKey(name));
  try {
    const early = file.sidecar ? await ahead : void 0;
    let sidecar = file.sidecar ? early !== void 0 ? sidecarSource(name, early) : await readOwnSidecar() : void 0;
    if (sidecar && disagreement([sidecar, ...file.known])) sidecar = await readOwnSidecar();
    let expected = agreedDigest(name, sidecar ? [sidecar, ...file.known] : file.known);
    const found = await inspect(target, name, inputs.checks, inputs.checkContents ? { strict: inputs.strict } : void 0);
    if (found?.digest?.sha256 === expected) {
      if (found.checked) judge(found.checked);
      await attested(expected);
      placed.push({ name, sha256: expected, info: found.info });
      return done({ name, ...found.digest, status: "already present" /* Present */, attempts: 0 });
    }
    const download = (sha256) => downloadVerified(container, name, sha256, size, inputs.path, {
      ...retryOptions,
      onProgress: (bytes, total) => reporter.progress(name, bytes, total),
      verify: async (temp) => {
        await checkContents(temp);
        await attested(sha256);
      },
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
  if (now && sameFile(now, before)) await rm2(target, { force: true });
}
async function stillPlaced(inputs, placed, problems, files) {
  for (const file of placed) {
    const target = join3(inputs.path, file.name);
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
    const attestor = inputs.attestations ? await openAttestations(inputs.attestations, (line) => reporter.info(line)) : void 0;
    await mkdir2(inputs.path, { recursive: true });
    const lock = await lockDirectory(inputs.path);
    try {
      return await collectPairs(inputs, truth, reporter, attestor);
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
  for (const name of await readdir2(dir)) {
    if (name.startsWith(".")) continue;
    const info = lstatOrNothingSync(join3(dir, name));
    if (info) found.set(nameKey(name), info);
  }
  return found;
}
async function collectPairs(plainInputs, truth, reporter, attestor) {
  const checks = new CheckPool();
  try {
    return await collectPairsWith({ ...plainInputs, before: await snapshot(plainInputs.path), checks, ...attestor ? { attestor } : {} }, truth, reporter);
  } finally {
    await checks.close();
  }
}
async function collectPairsWith(inputs, truth, reporter) {
  const { container } = inputs;
  for (const warning of container.warnings ?? []) reporter.warning(warning);
  const listing = await listPairs(inputs, truth, reporter);
  const { files: planned, unpaired, problems } = listingProblems(inputs, listing, truth, reporter);
  for (const name of unpaired) await removeIfUnchanged(join3(inputs.path, name), inputs.before.get(nameKey(name)));
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
  const result = {
    files,
    problems,
    where: { step: "collect", container: container.url, path: inputs.path },
    ...inputs.attestations ? { attestedBy: inputs.attestations.attestedBy.given } : {}
  };
  const done = verifiedFiles(result);
  if (done.length > 0 && inputs.digests?.isSha256Sums) {
    reporter.info(`${inputs.sha256sums} is the digests file this run checked against: left as it is (set sha256sums to another file to have one written)`);
  } else if (done.length > 0) {
    result.sha256sums = await writeSha256Sums(inputs.sha256sums, done);
  }
  if (inputs.requirements) await finishRequirements(result, inputs.requirements, { command: "collect", findLinks: inputs.path }, reporter);
  if (inputs.index) {
    await finishIndex(result, inputs.index, { command: "collect", fromDir: inputs.path, sourceUrl: container.url, retries: inputs.retries, concurrency: inputs.concurrency }, reporter);
  }
  return result;
}
async function warnAboutStrangers(inputs, known, reporter) {
  const strangers = (await readdir2(inputs.path)).filter((name) => !known.has(name) && !name.startsWith("."));
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
  getRequirementsTarget,
  finishRequirements,
  getIndexTarget,
  finishIndex,
  getCollectInputs,
  attestationsOf,
  collect,
  run
};
