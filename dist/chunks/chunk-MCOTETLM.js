import {createRequire as __wgCreateRequire} from 'node:module'; const require = __wgCreateRequire(import.meta.url);
import {
  AttestationsApiError,
  CheckPool,
  Inputs,
  NoFilesFound,
  actionInputs,
  actionReporter,
  countedRetry,
  exportsOf,
  fileProblem,
  findDistributions,
  finishAction,
  formatSidecar,
  getBoolean,
  getChoice,
  getCommonInputs,
  hashAndCheck,
  parseDistributionName,
  readOnlyMessage,
  readSidecarRetrying,
  runPool,
  sameDistribution,
  sidecarName,
  uploadPair,
  verifiedFiles,
  verifyRemote,
  writeSha256Sums
} from "./chunk-ZCZBCEC5.js";
import {
  ConflictError,
  ContainerError,
  ContentError,
  InputError,
  NotFoundError,
  messageOf,
  nameProblem,
  quote
} from "./chunk-RQOBEBPV.js";

// src/post-build/run.ts
import { stat, writeFile } from "node:fs/promises";

// src/post-build/attest.ts
function attestPrerequisites(env, token) {
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    return "attest: this job cannot get an OIDC token; give the job permissions id-token: write and attestations: write (attest runs in GitHub Actions only)";
  }
  if (!token) return "attest: github-token is empty; the default ${{ github.token }} with attestations: write stores the attestation";
  if (!env.GITHUB_REPOSITORY) return "attest: GITHUB_REPOSITORY is not set; attest runs in GitHub Actions only";
  return void 0;
}
async function attestFiles(files, token, env = process.env) {
  const prerequisite = attestPrerequisites(env, token);
  if (prerequisite) throw new AttestationsApiError(prerequisite);
  const subjects = files.map((file) => ({ name: file.name, digest: { sha256: file.sha256 } }));
  const { attestProvenance } = exportsOf(await import("./lib-FEOPALKS.js"), "attestProvenance");
  let made;
  try {
    made = await attestProvenance({ subjects, token });
  } catch (error) {
    const message = messageOf(error);
    const hint = /403|Resource not accessible|permission/i.test(message) ? "; the job needs permissions attestations: write (and id-token: write)" : /ID token|OIDC/i.test(message) ? "; the job needs permissions id-token: write" : "";
    throw new AttestationsApiError(`attest: ${message}${hint}`, { cause: error });
  }
  const server = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
  const id = made.attestationID ?? "";
  return {
    id,
    url: id ? `${server}/${env.GITHUB_REPOSITORY}/attestations/${id}` : "",
    ...made.tlogID !== void 0 ? { logIndex: String(made.tlogID) } : {},
    subjects: subjects.length
  };
}

// src/post-build/inputs.ts
function getPostBuildInputs(get, cwd = process.cwd()) {
  if (get(Inputs.Index).trim() !== "") {
    throw new InputError(`${Inputs.Index}: the index has one writer, the release job: run it from collect (index: a directory or container), not from post-build`);
  }
  const common = getCommonInputs(get, "wheelhouse", cwd);
  if (common.container.readOnly) throw new InputError(readOnlyMessage(common.container.url));
  return {
    ...common,
    ifNoFilesFound: getChoice(get, Inputs.IfNoFilesFound, NoFilesFound, "error" /* Error */),
    overwrite: getBoolean(get, Inputs.Overwrite, false),
    localSidecars: getBoolean(get, Inputs.LocalSidecars, false),
    ...getBoolean(get, Inputs.Attest, false) ? { attest: { token: get(Inputs.GithubToken).trim() } } : {}
  };
}

// src/post-build/run.ts
async function remoteSidecar(container, name, retries, idleTimeoutMs) {
  try {
    return await readSidecarRetrying(container, name, { retries, idleTimeoutMs });
  } catch (error) {
    if (error instanceof NotFoundError) return void 0;
    throw error;
  }
}
async function uploadOne(inputs, file, digest, retry) {
  const { container } = inputs;
  const recorded = await remoteSidecar(container, file.name, inputs.retries, inputs.timeout * 1e3);
  if (recorded === digest.sha256) {
    try {
      await verifyRemote(container, file.name, digest);
      return { name: file.name, ...digest, status: "unchanged" /* Unchanged */, attempts: 1 };
    } catch {
    }
  } else if (recorded !== void 0) {
    if (!inputs.overwrite) {
      throw new ConflictError(
        `${file.name}: ${container.url} already holds a different wheel of this name (sha256 ${recorded}, this one ${digest.sha256}); a rebuilt wheel must get a new version (PyPI refuses to replace a file), or set overwrite: true`
      );
    }
    await container.remove(sidecarName(file.name));
  }
  await uploadPair(container, file.name, file.path, digest, retry);
  return { name: file.name, ...digest, status: "uploaded" /* Uploaded */, attempts: 1 };
}
async function findWheels(inputs, reporter, problems) {
  const files = await findDistributions(inputs.path, inputs.patterns);
  const regular = [];
  for (const file of files) {
    const info = await stat(file.path);
    if (info.isFile()) regular.push(file);
    else problems.push({ file: file.path, message: `${quote(file.name)} in ${inputs.path} is not a regular file; only regular files are uploaded` });
  }
  const named = regular.filter((file) => {
    if (parseDistributionName(file.name) && !nameProblem(file.name)) return true;
    problems.push({
      file: file.path,
      message: `${quote(file.name)}: not a valid wheel or sdist file name (PEP 427: name-version(-build)?-python-abi-platform.whl); PyPI would refuse it`
    });
    return false;
  });
  const { unique, problems: twins } = sameDistribution(
    named.map((file) => file.name),
    inputs.path
  );
  problems.push(...twins);
  const valid = named.filter((file) => unique.includes(file.name));
  if (files.length === 0) {
    const message = `no files matching ${inputs.patterns.join(", ")} in ${inputs.path}`;
    if (inputs.ifNoFilesFound === "error" /* Error */) {
      problems.push({ message: `${message}; check path and pattern, or set if-no-files-found: warn` });
    } else if (inputs.ifNoFilesFound === "warn" /* Warn */) {
      reporter.warning(message);
    } else {
      reporter.info(message);
    }
  }
  return valid;
}
async function commit(inputs, results, problems) {
  try {
    await inputs.container.finish?.();
  } catch (error) {
    problems.push({ message: messageOf(error) });
    for (const result of results) result.status = "failed" /* Failed */;
  }
}
async function postBuild(inputs, reporter) {
  const problems = [];
  const files = await findWheels(inputs, reporter, problems);
  reporter.info(`post-build: ${files.length} file(s) from ${inputs.path} to ${inputs.container.url}`);
  const checks = new CheckPool();
  checks.warm(files.length);
  const results = await runPool(files, inputs.concurrency, async (file) => {
    const { options, attempts } = countedRetry(inputs.retries, reporter, file.path);
    const retry = { ...options, onProgress: (bytes, total) => reporter.progress(file.name, bytes, total) };
    let result2;
    try {
      const { contentError, warnings, ...digest } = await hashAndCheck(file.path, file.name, inputs.checkContents, { strict: inputs.strict, pool: checks });
      if (contentError) throw new ContentError(contentError.file, contentError.member, `${contentError.detail}; not uploaded: rebuild it`);
      for (const warning of warnings ?? []) reporter.warning(warning.message, file.path);
      result2 = { ...await uploadOne(inputs, file, digest, retry), attempts: attempts(), ...warnings ? { warnings: warnings.map((w) => w.message) } : {} };
      if (inputs.localSidecars) await writeFile(`${file.path}.sha256`, formatSidecar(digest.sha256, file.name));
    } catch (error) {
      if (error instanceof ContainerError) throw error;
      problems.push(fileProblem(file.name, error, file.path));
      result2 = { name: file.name, status: "failed" /* Failed */, attempts: attempts() };
    }
    reporter.fileDone(result2);
    return result2;
  }).finally(() => checks.close());
  await commit(inputs, results, problems);
  const result = { files: results, problems, where: { step: "post-build", container: inputs.container.url, path: inputs.path } };
  const done = verifiedFiles(result);
  if (done.length > 0) result.sha256sums = await writeSha256Sums(inputs.sha256sums, done);
  if (inputs.attest && done.length > 0) {
    try {
      const made = await attestFiles(done, inputs.attest.token);
      result.attestation = made;
      reporter.info(`attest: build provenance attestation of ${made.subjects} file(s)${made.url ? `: ${made.url}` : ""}${made.logIndex !== void 0 ? ` (Rekor log index ${made.logIndex})` : ""}`);
    } catch (error) {
      problems.push({ message: messageOf(error) });
    }
  }
  return result;
}
async function run() {
  await finishAction("wheel-guard post-build", async () => {
    const inputs = getPostBuildInputs(actionInputs);
    return postBuild(inputs, actionReporter());
  });
}

export {
  getPostBuildInputs,
  postBuild,
  run
};
