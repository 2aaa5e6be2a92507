/**
 * The simple index's pages and metadata files, read back by pip's own
 * parsers (pip._internal.index.collector.parse_links: what `pip install
 * --index-url` runs on a page) and by Python's zipfile, not by ours.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCollectInputs } from '../../src/collect/inputs.js';
import { InputError } from '../../src/core/errors.js';
import { finishIndex, getIndexTarget } from '../../src/core/index-writer.js';
import { FileStatus, type Reporter, type RunResult } from '../../src/core/report.js';
import {
  byProject,
  describeFile,
  escapeHtml,
  type IndexedFile,
  projectHtml,
  projectJson,
  projectOf,
  readWheelMetadata,
  requiresPythonOf,
  rootHtml,
  rootJson,
} from '../../src/core/simple-index.js';
import { getPostBuildInputs } from '../../src/post-build/inputs.js';
import { SAMPLE_EXAMPLE_WHEEL, SAMPLE_SDIST, SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, useTempDirs } from '../helpers/tmp.js';
import { lacks, NOT_POSIX, PYTHON } from '../helpers/tools.js';

const tempDir = useTempDirs();
const MAKE_WHEEL = join(import.meta.dirname, '..', 'helpers', 'make-wheel.py');

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const fileOf = async (path: string) => {
  const bytes = await readFile(path);
  return { name: basename(path), sha256: sha256(bytes), size: bytes.length };
};

/** METADATA as Python's zipfile reads it from the wheel. */
const pythonMetadata = (wheel: string): Buffer =>
  execFileSync(PYTHON, ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(z.read([n for n in z.namelist() if n.endswith(".dist-info/METADATA")][0]))', wheel]);

interface PipLink {
  filename: string;
  url: string;
  hashes: Record<string, string>;
  metadata: Record<string, string> | null | false;
  requires_python: string | null;
}

/** What pip makes of a page served at `url` with `contentType`: its links, as pip's resolver sees them. */
function pipLinks(page: string, contentType: string, url: string): PipLink[] {
  const script = `
import json, sys
from pip._internal.index.collector import IndexContent, parse_links
content = sys.stdin.buffer.read()
links = parse_links(IndexContent(content, sys.argv[1], "utf-8", sys.argv[2], cache_link_parsing=False))
print(json.dumps([{
    "filename": l.filename, "url": l.url, "hashes": l._hashes,
    "metadata": (l.metadata_file_data.hashes if l.metadata_file_data else False),
    "requires_python": l.requires_python,
} for l in links]))
`;
  const result = spawnSync(PYTHON, ['-c', script, contentType, url], { input: page, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PipLink[];
}

/** The files of project wheel-guard-sample: the sample wheel, the sample sdist, and a 1.1.0 wheel built now. */
async function sampleProject(): Promise<{ dir: string; files: IndexedFile[]; built: string }> {
  const dir = await tempDir('wg-index-src');
  await copyFile(SAMPLE_SMALL_WHEEL, join(dir, basename(SAMPLE_SMALL_WHEEL)));
  await copyFile(SAMPLE_SDIST, join(dir, basename(SAMPLE_SDIST)));
  const built = execFileSync(PYTHON, [MAKE_WHEEL, dir, 'wheel-guard-sample', '1.1.0', '1000', '7'], { encoding: 'utf8' }).trim();
  const files: IndexedFile[] = [];
  for (const name of (await readdir(dir)).sort()) files.push(await describeFile(join(dir, name), await fileOf(join(dir, name))));
  return { dir, files, built };
}

describe('names', () => {
  it.each([
    ['wheel_guard_sample-1.0.0-py3-none-any.whl', 'wheel-guard-sample', '1.0.0', true],
    ['wheel-guard-sample-1.0.0.tar.gz', 'wheel-guard-sample', '1.0.0', false],
    ['Foo.Bar__Baz-2.0-1-cp312-cp312-manylinux_2_17_x86_64.whl', 'foo-bar-baz', '2.0', true],
    ['ZOPE.Interface-6.0.tar.gz', 'zope-interface', '6.0', false],
  ])('%s is project %s (PEP 503 normalised), version %s', (file, project, version, wheel) => {
    expect(projectOf(file)).toEqual({ project, version, wheel });
  });

  it('refuses, naming the file, what no index can list', () => {
    expect(() => projectOf('notes.txt')).toThrow(/^notes\.txt: cannot be indexed: not a wheel or sdist file name/);
    expect(() => projectOf('a+b-1.0-py3-none-any.whl')).toThrow(/cannot be indexed: its project name a\+b is not a valid project name \(PEP 508\)/);
  });
});

describe('PEP 658 metadata', () => {
  it.skipIf(lacks('python')).each([SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, SAMPLE_EXAMPLE_WHEEL])('%s: FILE.metadata is the wheel\'s METADATA, byte for byte', async (wheel) => {
    const bytes = await readWheelMetadata(wheel, basename(wheel));
    expect(bytes.equals(pythonMetadata(wheel))).toBe(true);
    const described = await describeFile(wheel, await fileOf(wheel));
    expect(described.metadata?.sha256).toBe(sha256(pythonMetadata(wheel)));
  });

  it('Requires-Python comes from METADATA; none, or an unprintable one, is left off', () => {
    expect(requiresPythonOf(Buffer.from('Metadata-Version: 2.1\nName: x\nRequires-Python: >=3.8, <4\n\nbody'))).toBe('>=3.8, <4');
    expect(requiresPythonOf(Buffer.from('Metadata-Version: 2.1\nName: x\n\nRequires-Python: >=3.8\n'))).toBeUndefined();
    expect(requiresPythonOf(Buffer.from('Requires-Python: >=3.8\u001b[2J\n'))).toBeUndefined();
  });

  it.skipIf(lacks('python'))('a wheel without METADATA named like the file cannot be indexed: one line naming it', async () => {
    const dir = await tempDir('wg-index-bad');
    const bad = join(dir, 'wheel_guard_sample-1.0.0-py3-none-any.whl');
    execFileSync(PYTHON, [join(import.meta.dirname, '..', 'helpers', 'rewrite-wheel.py'), SAMPLE_SMALL_WHEEL, bad, JSON.stringify({ drop: ['wheel_guard_sample-1.0.0.dist-info/METADATA'] })]);
    await expect(readWheelMetadata(bad, basename(bad))).rejects.toThrow(/^wheel_guard_sample-1\.0\.0-py3-none-any\.whl: content check failed: cannot be indexed: no \.dist-info\/METADATA named like the file/);
  });

  // Making a symbolic link needs a privilege on Windows.
  it.skipIf(NOT_POSIX)('a symbolic link is not read', async () => {
    const dir = await tempDir('wg-index-link');
    await symlink(SAMPLE_SMALL_WHEEL, join(dir, basename(SAMPLE_SMALL_WHEEL)));
    await expect(readWheelMetadata(join(dir, basename(SAMPLE_SMALL_WHEEL)), basename(SAMPLE_SMALL_WHEEL))).rejects.toThrow(/symbolic link/);
  });
});

describe.skipIf(lacks('python'))('PEP 503 pages, as pip parses them', () => {
  it('a project with two wheels and an sdist: every link with its #sha256, wheels with their metadata hash under both names', async () => {
    const { files } = await sampleProject();
    const [[project, listed]] = [...byProject(files)] as [[string, IndexedFile[]]];
    expect(project).toBe('wheel-guard-sample');
    expect(listed.map((f) => f.name)).toEqual(['wheel-guard-sample-1.0.0.tar.gz', 'wheel_guard_sample-1.0.0-py3-none-any.whl', 'wheel_guard_sample-1.1.0-py3-none-any.whl']);
    const html = projectHtml(project, listed);
    expect(html).toMatch(/^<!DOCTYPE html>\n/);
    expect(html).toContain('<meta name="pypi:repository-version" content="1.1">');
    expect(html).toContain('<title>Links for wheel-guard-sample</title>');
    const wheel = listed[1]!;
    expect(html).toContain(
      `<a href="../../${wheel.name}#sha256=${wheel.sha256}" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=${wheel.metadata!.sha256}" data-core-metadata="sha256=${wheel.metadata!.sha256}">${wheel.name}</a>`,
    );
    const links = pipLinks(html, 'text/html', 'http://127.0.0.1:8080/simple/wheel-guard-sample/');
    expect(links).toEqual(
      listed.map((file) => ({
        filename: file.name,
        url: `http://127.0.0.1:8080/${file.name}#sha256=${file.sha256}`,
        hashes: { sha256: file.sha256 },
        metadata: file.metadata ? { sha256: file.metadata.sha256 } : false,
        requires_python: file.requiresPython ?? null,
      })),
    );
    // The sdist has no metadata file (only wheels get one); the built wheel has no Requires-Python.
    expect(listed[0]!.metadata).toBeUndefined();
    expect(listed[2]!.requiresPython).toBeUndefined();
  });

  it('a crafted name is escaped in text and attributes, percent-encoded in the href, and pip reads back the very name', () => {
    // No / or %: pip takes a link's last path segment and unquotes it twice.
    const name = `x"><img src=x onerror=alert('1')>&amp;+#? 1.0-py3-none-any.whl`;
    const file: IndexedFile = { name, sha256: 'a'.repeat(64), size: 1, project: 'x', version: '1.0', requiresPython: '"><b>' };
    const html = projectHtml('x', [file]);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('"><b>');
    expect(html).toContain('data-requires-python="&quot;&gt;&lt;b&gt;"');
    expect(html).toContain('>x&quot;&gt;&lt;img src=x onerror=alert(&#39;1&#39;)&gt;&amp;amp;+#? 1.0-py3-none-any.whl</a>');
    expect(html).toContain(`href="../../x%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(&#39;1&#39;)%3E%26amp%3B%2B%23%3F%201.0-py3-none-any.whl#sha256=${'a'.repeat(64)}"`);
    const [link] = pipLinks(html, 'text/html', 'http://127.0.0.1/simple/x/');
    expect(link!.filename).toBe(name);
    expect(link!.hashes).toEqual({ sha256: 'a'.repeat(64) });
    expect(link!.requires_python).toBe('"><b>');
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('the root page links each project folder', () => {
    const html = rootHtml(['example', 'wheel', 'wheel-guard-sample']);
    expect(html).toContain('<a href="wheel-guard-sample/">wheel-guard-sample</a>');
    expect(pipLinks(html, 'text/html', 'http://h/simple/').map((l) => l.url)).toEqual(['http://h/simple/example/', 'http://h/simple/wheel/', 'http://h/simple/wheel-guard-sample/']);
  });
});

describe.skipIf(lacks('python'))('PEP 691 JSON', () => {
  it('api-version 1.1: name, versions, files with filename, url, hashes, core-metadata, size; never dist-info-metadata', async () => {
    const { files } = await sampleProject();
    const listed = byProject(files).get('wheel-guard-sample')!;
    const page = JSON.parse(projectJson('wheel-guard-sample', listed)) as Record<string, unknown>;
    expect(page.meta).toEqual({ 'api-version': '1.1' });
    expect(page.name).toBe('wheel-guard-sample');
    expect(page.versions).toEqual(['1.0.0', '1.1.0']);
    expect(page.files).toEqual(
      listed.map((file) => ({
        filename: file.name,
        url: `../../${file.name}`,
        hashes: { sha256: file.sha256 },
        ...(file.requiresPython ? { 'requires-python': file.requiresPython } : {}),
        ...(file.metadata ? { 'core-metadata': { sha256: file.metadata.sha256 } } : {}),
        size: file.size,
        yanked: false,
      })),
    );
    // pip 22.3 to 23.1 fail outright on a JSON dist-info-metadata (PEP 714).
    expect(projectJson('wheel-guard-sample', listed)).not.toContain('dist-info-metadata');
    const links = pipLinks(projectJson('wheel-guard-sample', listed), 'application/vnd.pypi.simple.v1+json', 'http://h/simple/wheel-guard-sample/');
    expect(links.map((l) => [l.url, l.hashes, l.metadata])).toEqual(listed.map((f) => [`http://h/${f.name}`, { sha256: f.sha256 }, f.metadata ? { sha256: f.metadata.sha256 } : false]));
    expect(JSON.parse(rootJson(['a', 'b']))).toEqual({ meta: { 'api-version': '1.1' }, projects: [{ name: 'a' }, { name: 'b' }] });
  });
});

/** A reporter that keeps what it is told. */
function recorder(): Reporter & { infos: string[]; warnings: string[] } {
  const infos: string[] = [];
  const warnings: string[] = [];
  return { infos, warnings, info: (m) => void infos.push(m), warning: (m) => void warnings.push(m), progress: () => undefined, fileDone: () => undefined };
}

const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';

describe.skipIf(lacks('python'))('writing an index to a directory', () => {
  /** A run result as collect returns it, of the files in `dir`. */
  async function verified(dir: string): Promise<RunResult & { index?: string }> {
    const files = [];
    for (const name of (await readdir(dir)).sort()) files.push({ ...(await fileOf(join(dir, name))), status: FileStatus.Verified, attempts: 1 });
    return { files, problems: [] };
  }

  it('copies the files, then FILE.metadata, project pages and root pages; returns simple/', async () => {
    const { dir, files } = await sampleProject();
    await copyFile(SAMPLE_WHEEL, join(dir, basename(SAMPLE_WHEEL)));
    const root = join(await tempDir('wg-index-root'), 'site');
    const target = getIndexTarget(inputs({ index: root }), { cwd: '/' })!;
    const result = await verified(dir);
    const reporter = recorder();
    await finishIndex(result, target, { command: 'collect', fromDir: dir, retries: 0, concurrency: 2 }, reporter);
    expect(result.problems).toEqual([]);
    expect(result.index).toBe(join(root, 'simple'));
    const names = (await readdir(root)).sort();
    const wheels = files.filter((f) => f.metadata).map((f) => f.name);
    expect(names).toEqual([...files.map((f) => f.name), basename(SAMPLE_WHEEL), ...wheels.map((w) => `${w}.metadata`), `${basename(SAMPLE_WHEEL)}.metadata`, 'simple'].sort());
    for (const name of [...files.map((f) => f.name), basename(SAMPLE_WHEEL)]) {
      expect((await readFile(join(root, name))).equals(await readFile(join(dir, name)))).toBe(true);
    }
    for (const wheel of wheels) expect((await readFile(join(root, `${wheel}.metadata`))).equals(pythonMetadata(join(dir, wheel)))).toBe(true);
    expect((await readdir(join(root, 'simple'))).sort()).toEqual(['index.html', 'index.json', 'wheel', 'wheel-guard-sample']);
    expect((await readdir(join(root, 'simple', 'wheel-guard-sample'))).sort()).toEqual(['index.html', 'index.json']);
    expect(await readFile(join(root, 'simple', 'index.html'), 'utf8')).toBe(rootHtml(['wheel', 'wheel-guard-sample']));
    expect(await readFile(join(root, 'simple', 'wheel-guard-sample', 'index.html'), 'utf8')).toBe(projectHtml('wheel-guard-sample', byProject(files).get('wheel-guard-sample')!));
    // The root page is the last thing written: nothing it names came after it.
    const rootTime = (await stat(join(root, 'simple', 'index.html'))).mtimeMs;
    for (const name of names.filter((n) => n !== 'simple')) expect((await stat(join(root, name))).mtimeMs).toBeLessThanOrEqual(rootTime);
    // No temporary file is left behind.
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(reporter.infos.at(-1)).toMatch(/^index: 2 project\(s\), 4 file\(s\) in .*simple, the files copied to /);
  });

  it('in place: the directory indexed gets no copies, only FILE.metadata and simple/', async () => {
    const { dir, files } = await sampleProject();
    const before = (await readdir(dir)).sort();
    const target = getIndexTarget(inputs({}), { cwd: '/', inPlace: dir, value: dir, name: '--output' })!;
    const result = await verified(dir);
    await finishIndex(result, target, { command: 'wheel-guard index', fromDir: dir, retries: 0, concurrency: 2 }, recorder());
    expect(result.problems).toEqual([]);
    const wheels = files.filter((f) => f.metadata).map((f) => `${f.name}.metadata`);
    expect((await readdir(dir)).sort()).toEqual([...before, ...wheels, 'simple'].sort());
  });

  it('a run with a problem writes nothing; a file that cannot be indexed is a problem and nothing is written', async () => {
    const { dir } = await sampleProject();
    const root = join(await tempDir('wg-index-root'), 'site');
    const target = getIndexTarget(inputs({ index: root }), { cwd: '/' })!;
    const failed = await verified(dir);
    failed.problems.push({ message: 'x.whl: sha256 mismatch' });
    const reporter = recorder();
    await finishIndex(failed, target, { command: 'collect', fromDir: dir, retries: 0, concurrency: 1 }, reporter);
    expect(failed.index).toBeUndefined();
    expect(reporter.infos).toEqual([expect.stringMatching(/^index: .*site not written: this run has 1 problem\(s\)/)]);
    await writeFile(join(dir, 'notes.zip'), 'not a distribution');
    const odd = await verified(dir);
    await finishIndex(odd, target, { command: 'collect', fromDir: dir, retries: 0, concurrency: 1 }, recorder());
    expect(odd.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^notes\.zip: cannot be indexed: not a wheel or sdist file name/)]);
    await expect(readdir(root)).rejects.toThrow(/ENOENT/);
  });

  it('warns about project folders an earlier run left in simple/', async () => {
    const { dir } = await sampleProject();
    const root = await tempDir('wg-index-root');
    await mkdir(join(root, 'simple', 'old-project'), { recursive: true });
    const reporter = recorder();
    const result = await verified(dir);
    await finishIndex(result, getIndexTarget(inputs({ index: root }), { cwd: '/' })!, { command: 'collect', fromDir: dir, retries: 0, concurrency: 1 }, reporter);
    expect(reporter.warnings).toEqual([expect.stringMatching(/^index: .*simple also holds old-project, from an earlier run: simple\/index\.html no longer lists them/)]);
  });
});

describe('the index input', () => {
  it('is refused inside path, on a web address, an artifact, a file, or with a query; post-build refuses it outright', async () => {
    const cwd = await tempDir('wg-index-inputs');
    const collect = (index: string) => () => getCollectInputs(inputs({ container: 'wheels', path: 'dist', index }), cwd);
    expect(collect('dist')).toThrow(/^index: .*dist is inside dist, the directory of distributions; twine upload would pick up simple\/ and the \.metadata files there/);
    expect(collect('dist/site')).toThrow(InputError);
    expect(collect('https://example.org/site/')).toThrow(/^index: https:\/\/example\.org\/site\/ is a web address, which nothing can be written to/);
    expect(collect('artifact://site')).toThrow(/^index: artifact:\/\/site is an Actions artifact, which no web server serves/);
    expect(collect('https://acct.blob.core.windows.net/site/x?sv=2022&sig=SECRET')).toThrow(/^index: the address carries a query \(a SAS token\?\)/);
    await writeFile(join(cwd, 'afile'), '');
    expect(collect('afile')).toThrow(/^index: .*afile is a file, not a directory/);
    expect(getCollectInputs(inputs({ container: 'wheels', path: 'dist', index: 'site' }), cwd).index?.simple).toBe(join(cwd, 'site', 'simple'));
    expect(getCollectInputs(inputs({ container: 'wheels', path: 'dist', index: 's3://bucket/idx' }), cwd).index?.simple).toBe('s3://bucket/idx/simple/');
    expect(() => getPostBuildInputs(inputs({ container: 'wheels', index: 'site' }), cwd)).toThrow(
      'index: the index has one writer, the release job: run it from collect (index: a directory or container), not from post-build',
    );
  });
});
