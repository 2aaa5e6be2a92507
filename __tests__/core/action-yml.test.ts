import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCollectInputs } from '../../src/collect/inputs.js';
import { Inputs } from '../../src/core/inputs.js';
import { getPostBuildInputs } from '../../src/post-build/inputs.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The input and output names an action.yml declares (two-space keys under `inputs:` / `outputs:`). */
function declared(file: string, section: 'inputs' | 'outputs'): Set<string> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const start = text.indexOf(`\n${section}:\n`);
  const rest = text.slice(start + section.length + 3);
  const end = rest.search(/^\S/m);
  return new Set([...(end >= 0 ? rest.slice(0, end) : rest).matchAll(/^ {2}([a-z0-9-]+):\s*$/gm)].map((m) => m[1]!));
}

/** The names an entry point's input parser asks for, with every optional feature switched on. */
function asked(parse: (get: (name: string) => string, cwd: string) => unknown, given: Record<string, string>): Set<string> {
  const names = new Set<string>();
  const cwd = mkdtempSync(join(tmpdir(), 'wg-yml-'));
  parse((name) => {
    names.add(name);
    return given[name] ?? '';
  }, cwd);
  return names;
}

describe('action.yml declares every input the code reads', () => {
  it('post-build/action.yml and the root action.yml: what getPostBuildInputs asks for', () => {
    const names = asked(getPostBuildInputs, { container: 'box', attest: 'true' });
    // Read by the parser both steps share, meaningful to collect only (another run's artifacts): empty in post-build.
    names.delete(Inputs.RunId);
    names.delete(Inputs.Repository);
    for (const file of ['post-build/action.yml', 'action.yml']) {
      const inputs = declared(file, 'inputs');
      expect([...names].filter((name) => !inputs.has(name)), file).toEqual([]);
    }
    expect(names).toContain(Inputs.Attest);
    expect(names).toContain(Inputs.GithubToken);
  });

  it('collect/action.yml and the root action.yml: what getCollectInputs asks for', () => {
    const names = asked(getCollectInputs, { container: 'box', 'attested-by': 'o/r/.github/workflows/b.yml', 'trusted-root': 'root.json', requirements: 'req.txt', index: 'site' });
    for (const file of ['collect/action.yml', 'action.yml']) {
      const inputs = declared(file, 'inputs');
      expect([...names].filter((name) => !inputs.has(name)), file).toEqual([]);
    }
    expect(names).toContain(Inputs.AttestedBy);
    expect(names).toContain(Inputs.TrustedRoot);
  });

  it('the root action.yml declares every input name the code knows, and nothing else', () => {
    expect([...declared('action.yml', 'inputs')].sort()).toEqual([...new Set(Object.values(Inputs))].sort());
  });

  it('the attestation outputs: post-build and root', () => {
    for (const file of ['post-build/action.yml', 'action.yml']) {
      expect(declared(file, 'outputs')).toContain('attestation-id');
      expect(declared(file, 'outputs')).toContain('attestation-url');
    }
  });
});
