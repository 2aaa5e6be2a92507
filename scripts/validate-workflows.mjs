// Validates what GitHub reads before it runs anything of ours: every workflow in
// .github/workflows/ and every action.yml (the root one and one directory down),
// against the published schemas (SchemaStore's github-workflow and github-action,
// as compiled into @action-validator/core, a WASM build of action-validator; offline).
//
//   node scripts/validate-workflows.mjs            the repository's own files
//   node scripts/validate-workflows.mjs FILE...    these files: action.yml / action.yaml
//                                                  is an action, any other name a workflow
//
// One line per file ("ok" or "FAIL", the file, the first error), the other errors
// indented below it; exit 1 when any file fails, 2 on a usage error.
//
// node24: @action-validator/core 0.6.0's action schema knows node12, node16 and node20
// only, and refuses `runs.using: node24`, which GitHub runs. An action.yml that fails is
// therefore validated again with that one value read as node20 (same keys: main, pre,
// post, pre-if, post-if); the line says so. Once the validator knows node24, the first
// pass passes and this never happens.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

let validator;
try {
  validator = require('@action-validator/core');
} catch (err) {
  console.log(`FAIL @action-validator/core did not load (run npm ci): ${err.message}`);
  process.exit(2);
}

/** The repository's own files: [path for humans, absolute path, kind]. */
function ownFiles() {
  const files = [];
  const workflows = join(ROOT, '.github', 'workflows');
  if (existsSync(workflows)) {
    for (const name of readdirSync(workflows).sort()) {
      if (/\.ya?ml$/.test(name)) files.push([join(workflows, name), 'workflow']);
    }
  }
  for (const name of ['action.yml', 'action.yaml']) {
    if (existsSync(join(ROOT, name))) files.push([join(ROOT, name), 'action']);
  }
  for (const dir of readdirSync(ROOT, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!dir.isDirectory() || dir.name.startsWith('.') || dir.name === 'node_modules') continue;
    for (const name of ['action.yml', 'action.yaml']) {
      if (existsSync(join(ROOT, dir.name, name))) files.push([join(ROOT, dir.name, name), 'action']);
    }
  }
  // Shown relative to where it runs, with / between parts on every OS.
  return files.map(([abs, kind]) => [relative(process.cwd(), abs).split(sep).join('/') || abs, abs, kind]);
}

/** The text with a block-style `runs:` → `using: node24` read as node20 (same line count), or null. */
function node24AsNode20(text) {
  const lines = text.split('\n');
  const runs = lines.findIndex((line) => /^runs:[ \t]*(#.*)?\r?$/.test(line));
  if (runs < 0) return null;
  for (let i = runs + 1; i < lines.length && !/^[^\s#]/.test(lines[i]); i++) {
    const m = /^([ \t]+using:[ \t]*)(['"]?)node24\2([ \t]*(#.*)?\r?)$/.exec(lines[i]);
    if (m) {
      lines[i] = `${m[1]}${m[2]}node20${m[2]}${m[3]}`;
      return lines.join('\n');
    }
  }
  return null;
}

/** One error as one line: where, then what. */
function describe(error) {
  if (error.location) {
    const what = (error.detail ?? error.title).replace(/ at line \d+ column \d+$/, '');
    return `line ${error.location.line} column ${error.location.column}: ${what}`;
  }
  const where = error.path || '/';
  if (error.states?.length) {
    // oneOf: none of the forms fits. The closest form (fewest errors) says most.
    const forms = [...error.states].sort((a, b) => a.errors.length - b.errors.length);
    return `${where}: fits none of its ${forms.length} forms; closest: ${forms[0].errors.map(describe).join('; ')}`;
  }
  return `${where}: ${error.detail ?? error.title}`;
}

function validate(text, kind) {
  return kind === 'action' ? validator.validateAction(text) : validator.validateWorkflow(text);
}

const args = process.argv.slice(2);
if (args.some((a) => a.startsWith('-'))) {
  console.log('usage: node scripts/validate-workflows.mjs [FILE...]   (action.yml/action.yaml: an action; other names: a workflow)');
  process.exit(2);
}
const files = args.length
  ? args.map((f) => [f, resolve(f), /^action\.ya?ml$/.test(basename(f)) ? 'action' : 'workflow'])
  : ownFiles();

let failed = 0;
for (const [shown, abs, kind] of files) {
  let text;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    failed++;
    console.log(`FAIL ${shown} (${kind}): cannot read it: ${err.code ?? err.message}`);
    continue;
  }
  let result = validate(text, kind);
  let note = '';
  if (result.errors.length && kind === 'action') {
    const patched = node24AsNode20(text);
    if (patched !== null) {
      result = validate(patched, kind);
      note = '; runs.using node24 checked as node20, which the schema knows';
    }
  }
  if (!result.errors.length) {
    console.log(`ok   ${shown} (${kind}${note})`);
    continue;
  }
  failed++;
  const [first, ...rest] = result.errors.map(describe);
  console.log(`FAIL ${shown} (${kind}${note}): ${first}`);
  for (const line of rest) console.log(`       ${line}`);
  if (process.env.GITHUB_ACTIONS === 'true') {
    const at = result.errors[0].location ? `,line=${result.errors[0].location.line},col=${result.errors[0].location.column}` : '';
    console.log(`::error file=${relative(ROOT, abs).split(sep).join('/')}${at}::${first.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`);
  }
}
console.log(`${files.length} file(s) checked, ${failed} invalid`);
process.exit(failed ? 1 : 0);
