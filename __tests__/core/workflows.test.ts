import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/validate-workflows.mjs, as .ci/run calls it: what GitHub would refuse fails, naming the file.
const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'validate-workflows.mjs');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function validate(...files: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...files], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, GITHUB_ACTIONS: '' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A copy of a repository file with one text replaced (which must be there), at DIR/rel (LF line ends, as a Windows checkout may not have them). */
function copyWith(rel: string, from: string, to: string): string {
  const text = readFileSync(join(ROOT, rel), 'utf8').replace(/\r\n/g, '\n');
  expect(text, `${rel} holds ${from}`).toContain(from);
  const dir = mkdtempSync(join(tmpdir(), 'wg-workflows-'));
  made.push(dir);
  const copy = join(dir, rel);
  mkdirSync(resolve(copy, '..'), { recursive: true });
  writeFileSync(copy, text.replace(from, to));
  return copy;
}

describe('validate-workflows: workflows and action.yml against the published schemas', () => {
  it('passes on the real files: every workflow and the three action.yml, one line each', () => {
    const workflows = readdirSync(join(ROOT, '.github', 'workflows')).filter((n) => /\.ya?ml$/.test(n));
    const files = [...workflows.map((n) => `.github/workflows/${n}`), 'action.yml', 'post-build/action.yml', 'collect/action.yml'];
    const { status, out } = validate();
    expect(out).not.toContain('FAIL');
    for (const file of files) expect(out).toMatch(new RegExp(`^ok {3}${file.replace(/\./g, '\\.')} \\(`, 'm'));
    expect(out.trim().split('\n')).toHaveLength(files.length + 1);
    expect(out).toContain(`${files.length} file(s) checked, 0 invalid`);
    expect(status).toBe(0);
  });

  it("fails on the historic bug, a ': ' inside a plain scalar (GitHub refused artifacts.yml), naming the file and line", () => {
    const good = `- name: 'This job''s "build": one sample wheel'`;
    const bad = copyWith('.github/workflows/artifacts.yml', good, `- name: This job's "build": one sample wheel`);
    const line = readFileSync(bad, 'utf8').split('\n').findIndex((l) => l.includes(`This job's "build"`)) + 1;
    const { status, out } = validate(bad, join(ROOT, '.github/workflows/ci.yml'));
    expect(out).toContain(`FAIL ${bad} (workflow): line ${line} column `);
    expect(out).toContain('mapping values are not allowed');
    expect(out).toMatch(/^ok {3}.*ci\.yml \(workflow\)$/m);
    expect(out).toContain('2 file(s) checked, 1 invalid');
    expect(status).toBe(1);
  });

  it('fails on an action.yml with a misspelt key (top level, and in an input), naming the file and the key', () => {
    const top = copyWith('action.yml', '\nbranding:\n', '\nbrandng:\n');
    const input = copyWith('post-build/action.yml', '    required: true\n', '    requird: true\n');
    const { status, out } = validate(top, input);
    expect(out).toMatch(new RegExp(`^FAIL ${top.replace(/[.\\]/g, '\\$&')} \\(action[^)]*\\): /: Additional property 'brandng' is not allowed$`, 'm'));
    expect(out).toMatch(new RegExp(`^FAIL ${input.replace(/[.\\]/g, '\\$&')} \\(action[^)]*\\): /inputs/container: Additional property 'requird' is not allowed$`, 'm'));
    expect(status).toBe(1);
  });

  it('reads runs.using node24 as node20 and nothing else: node42 fails', () => {
    const copy = copyWith('collect/action.yml', "using: 'node24'", "using: 'node42'");
    const { status, out } = validate(copy);
    expect(out).toContain(`FAIL ${copy} (action): /runs: fits none of its 3 forms; closest: /runs/using: Enum conditions are not met`);
    expect(status).toBe(1);
  });

  it('a file it cannot read fails, naming it', () => {
    const missing = join(tmpdir(), 'wg-no-such-dir', 'release.yml');
    const { status, out } = validate(missing);
    expect(out).toContain(`FAIL ${missing} (workflow): cannot read it: ENOENT`);
    expect(status).toBe(1);
  });
});
