import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// What ci.yml promises for every runner the README names (issue 17, item 5):
// the unit and end-to-end suites and the action's self-test run on Ubuntu,
// Windows and macOS, and none of them may fail quietly.
const ROOT = resolve(import.meta.dirname, '..', '..');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  'continue-on-error'?: unknown;
}
interface Job {
  'runs-on': string;
  strategy?: { matrix?: { os?: string[] } };
  steps: Step[];
  'continue-on-error'?: unknown;
}

const ci = parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as { jobs: Record<string, Job> };
const OSES = ['ubuntu-latest', 'windows-latest', 'macos-latest'];
function job(name: string): Job {
  const found = ci.jobs[name];
  if (!found) throw new Error(`ci.yml has no job ${name}`);
  return found;
}

/** True when `step` runs on `os` (its `if:` is only ever about runner.os here). */
function runsOn(step: Step, os: string): boolean {
  const name = { 'ubuntu-latest': 'Linux', 'windows-latest': 'Windows', 'macos-latest': 'macOS' }[os];
  if (!step.if) return true;
  const match = /^runner\.os (==|!=) '(\w+)'$/.exec(step.if.trim());
  if (!match) throw new Error(`ci.yml: an if: this test cannot read: ${step.if}`);
  return match[1] === '==' ? match[2] === name : match[2] !== name;
}

describe('ci.yml: every promised runner', () => {
  const platforms = job('platforms');

  it('the platforms job has a matrix of Ubuntu, Windows and macOS, and nothing in it may fail quietly', () => {
    expect(platforms.strategy?.matrix?.os).toEqual(OSES);
    expect(platforms['runs-on']).toBe('${{ matrix.os }}');
    expect(platforms['continue-on-error']).toBeUndefined();
    for (const step of platforms.steps) expect(step['continue-on-error'], step.name ?? step.run ?? step.uses).toBeUndefined();
  });

  it.each(OSES)('on %s: the unit suite, the end-to-end suite under Node 24, then post-build and collect from this checkout', (os) => {
    const steps = platforms.steps.filter((s) => runsOn(s, os));
    const runs = steps.map((s) => s.run ?? '').join('\n');
    if (os === 'ubuntu-latest') {
      // Ubuntu's suites are the `test` job: .ci/run, every tool installed, nothing skipped.
      expect(job('test')['runs-on']).toBe('ubuntu-latest');
      expect(job('test').steps.some((s) => s.run === 'bash .ci/run')).toBe(true);
    } else {
      expect(runs).toMatch(/^npx vitest run$/m);
      expect(runs).toMatch(/^npx vitest run --config vitest\.e2e\.config\.ts$/m);
      // The e2e suite's subprocess Node is the action's runtime, set before the suites run.
      const node24 = steps.findIndex((s) => s.uses?.startsWith('actions/setup-node@') && String(s.with?.['node-version']) === '24');
      const wgNode = steps.findIndex((s) => /WG_NODE=.*GITHUB_ENV/.test(s.run ?? ''));
      const e2e = steps.findIndex((s) => /vitest\.e2e\.config/.test(s.run ?? ''));
      expect(node24).toBeGreaterThanOrEqual(0);
      expect(wgNode).toBeGreaterThan(node24);
      expect(e2e).toBeGreaterThan(wgNode);
    }
    const postBuild = steps.findIndex((s) => s.uses === './post-build');
    const collect = steps.findIndex((s) => s.uses === './collect');
    expect(postBuild).toBeGreaterThanOrEqual(0);
    expect(collect).toBeGreaterThan(postBuild);
    expect(steps[collect]?.with?.container).toBe(steps[postBuild]?.with?.container);
  });
});
