import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NOT_POSIX } from '../helpers/tools.js';

// Versioned releases (issue 17, item 3): a version tag releases what package.json
// says, the major tag it moves is the one the README's `uses:` lines name, the
// release notes are CHANGELOG.md's section, and the three action.yml files
// carry what the Marketplace shows.
const ROOT = resolve(import.meta.dirname, '..', '..');
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8').replace(/\r\n/g, '\n');
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;
const MAJOR = `v${VERSION.split('.')[0]}`;

interface Step { name?: string; run?: string; uses?: string }
interface Job { needs?: string | string[]; steps: Step[] }
const release = parse(read('.github/workflows/release.yml')) as { on: { push: { tags: string[] } }; jobs: Record<string, Job> };
const job = (name: string): Job => {
  const found = release.jobs[name];
  if (!found) throw new Error(`release.yml has no job ${name}`);
  return found;
};
const stepRun = (name0: string, name: RegExp): string => {
  const step = job(name0).steps.find((s) => name.test(s.name ?? s.run ?? ''));
  if (!step?.run) throw new Error(`release.yml: no step matching ${name} in ${name0}`);
  return step.run;
};
// The workflow's bash snippets are run as the Ubuntu runner runs them: not on Windows.
const bash = (script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } =>
  spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });

describe('release: tags, README, CHANGELOG and Marketplace metadata agree', () => {
  it("package.json's version is semantic, and the README's uses: lines name its major tag and an action that exists", () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const uses = [...read('README.md').matchAll(/uses: ([\w.-]+\/wheel-guard(\/[\w-]+)?)@(\S+)/g)];
    expect(uses.length).toBeGreaterThan(10);
    for (const [line, , sub, ref] of uses) {
      expect(ref, line).toBe(MAJOR);
      expect(['', '/post-build', '/collect'], line).toContain(sub ?? '');
    }
  });

  it.skipIf(NOT_POSIX)('a v*.*.* tag starts the release; the tag must be package.json\'s version (checked, with the fix, before anything else)', () => {
    expect(release.on.push.tags).toEqual(['v*.*.*']);
    const check = stepRun('test', /tag is package\.json's version/);
    expect(bash(check, { GITHUB_REF_NAME: `v${VERSION}` }).status).toBe(0);
    const wrong = bash(check, { GITHUB_REF_NAME: 'v9.9.9' });
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain(`::error::tag v9.9.9 is not v${VERSION}, the version in package.json`);
    expect(job('test').steps.some((s) => s.run === 'bash .ci/run')).toBe(true);
  });

  it.skipIf(NOT_POSIX)('the major tag moves last, after every channel has the release, and is the one the README names', () => {
    const needs = (name: string): string[] => [job(name).needs ?? []].flat();
    expect(needs('npm')).toEqual(['test']);
    expect(needs('wheel')).toEqual(['test']);
    expect(needs('pypi')).toEqual(['wheel']);
    expect(needs('github-release').sort()).toEqual(['npm', 'pypi']);
    expect(needs('major-tag')).toEqual(['github-release']);
    // The job's own arithmetic, run with git replaced by echo: the tag it would move.
    const move = stepRun('major-tag', /git tag -f/).replace(/\bgit (tag|push|rev-parse)/g, 'echo git $1');
    const out = bash(move, { GITHUB_REF_NAME: `v${VERSION}` });
    expect(out.stdout).toContain(`git tag -f ${MAJOR}\n`);
    expect(out.stdout).toContain(`git push -f origin refs/tags/${MAJOR}\n`);
    const pre = bash(move, { GITHUB_REF_NAME: `v${VERSION}-rc.1` });
    expect(pre.stdout).not.toContain('git tag');
    expect(pre.stdout).toContain('is a pre-release');
  });

  it.skipIf(NOT_POSIX)("the release notes are CHANGELOG.md's section for the version (the workflow's own awk)", () => {
    const changelog = read('CHANGELOG.md');
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    const script = stepRun('github-release', /gh release create/);
    const awk = /awk -v head=[\s\S]*?' CHANGELOG\.md/.exec(script)?.[0];
    expect(awk, 'release.yml extracts the notes with awk').toBeDefined();
    // CHANGELOG.md as the release commit will have it: Unreleased moved under the version's heading.
    const released = changelog.replace('## [Unreleased]', `## [Unreleased]\n\n## [${VERSION}] - 2026-12-01`) + `\n## [0.0.1] - 2026-01-01\n\nolder\n`;
    const run = spawnSync('bash', ['-c', `version=${VERSION}; ${awk!.replace(/CHANGELOG\.md$/, '/dev/stdin')}`], { input: released, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('### Added');
    expect(run.stdout).not.toContain('## [');
    expect(run.stdout).not.toContain('older');
  });

  it.each(['action.yml', 'post-build/action.yml', 'collect/action.yml'])('%s has the metadata the Marketplace shows', (file) => {
    const action = parse(read(file)) as { name: string; description: string; author: string; branding: { icon: string; color: string }; runs: { using: string } };
    expect(action.name).toMatch(/^wheel-guard/);
    expect(action.description.length).toBeGreaterThan(20);
    expect(action.description.length).toBeLessThanOrEqual(125);
    expect(action.author).toBeTruthy();
    expect(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']).toContain(action.branding.color);
    expect(action.branding.icon).toBe('shield');
    expect(action.runs.using).toBe('node24');
  });
});
