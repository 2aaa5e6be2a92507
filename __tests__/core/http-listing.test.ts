/**
 * The listing parsers of the https:// container on pages as real servers
 * write them: nginx and Apache autoindex, python's http.server, a PEP 503
 * page as pypi.org and mirrors serve it, a PEP 691 JSON page, SHA256SUMS.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeEntities,
  LISTED_FROM,
  ListingKind,
  parseLinks,
  parseListing,
  parseSimpleJson,
  parseSumsFile,
  recognise,
  toEntries,
} from '../../src/containers/http-listing.js';
import { ContainerError } from '../../src/core/errors.js';
import { admitListing } from '../../src/core/listing.js';

const WHEEL = 'wheel-0.43.0-py3-none-any.whl';
const WHEEL_SHA = '55c570405f142630c6b9f72fe09d9b67cf1477fcf543ae5b8dcb1f5b7377da81';
const SMALL = 'wheel_guard_sample-1.0.0-py3-none-any.whl';
const SMALL_SHA = '949c93465790ddefc83381bf379c3a7da5e5787418fcd13712f988bf4614ed4b';

/** nginx 1.22 `autoindex on;` (exact sizes; a long name's text cut with "..&gt;", its href whole). */
const NGINX = `<html>
<head><title>Index of /wheels/</title></head>
<body>
<h1>Index of /wheels/</h1><hr><pre><a href="../">../</a>
<a href="old/">old/</a>                                               29-Nov-2026 11:02                   -
<a href="${WHEEL}">${WHEEL}</a>                      29-Nov-2026 11:02               65775
<a href="${WHEEL}.sha256">${WHEEL}.sha256</a>               29-Nov-2026 11:02                  96
<a href="${SMALL}">wheel_guard_sample-1.0.0-py3-none-any.whl</a>          29-Nov-2026 11:02                1470
<a href="averyveryverylongprojectname_with_parts-1.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl">averyveryverylongprojectname_with_parts-1.0.0-c..&gt;</a> 29-Nov-2026 11:02   12
</pre><hr></body>
</html>
`;

/** Apache 2.4 FancyIndexing with HTMLTable (Debian's default autoindex). */
const APACHE = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of /wheels</title>
 </head>
 <body>
<h1>Index of /wheels</h1>
  <table>
   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th><th><a href="?C=D;O=A">Description</a></th></tr>
   <tr><th colspan="5"><hr></th></tr>
<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="${WHEEL}">${WHEEL}</a></td><td align="right">2026-11-29 11:02  </td><td align="right"> 64K</td><td>&nbsp;</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="${WHEEL}.sha256">${WHEEL}.sha256</a></td><td align="right">2026-11-29 11:02  </td><td align="right"> 96 </td><td>&nbsp;</td></tr>
   <tr><th colspan="5"><hr></th></tr>
</table>
<address>Apache/2.4.62 (Debian) Server at 127.0.0.1 Port 8080</address>
</body></html>
`;

/** python3 -m http.server (3.12): hrefs through urllib.parse.quote, text through html.escape. */
const PYTHON = `<!DOCTYPE HTML>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Directory listing for /wheels/</title>
</head>
<body>
<h1>Directory listing for /wheels/</h1>
<hr>
<ul>
<li><a href="old/">old/</a></li>
<li><a href="pkg-1.0%2Blocal-py3-none-any.whl">pkg-1.0+local-py3-none-any.whl</a></li>
<li><a href="pkg-1.0%2Blocal-py3-none-any.whl.sha256">pkg-1.0+local-py3-none-any.whl.sha256</a></li>
<li><a href="${WHEEL}">${WHEEL}</a></li>
</ul>
<hr>
</body>
</html>
`;

/** A PEP 503 page as a bandersnatch mirror writes simple/wheel/index.html (files two levels up). */
const MIRROR = `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for wheel</title>
  </head>
  <body>
    <h1>Links for wheel</h1>
    <a href="../../packages/7d/cd/d7460c9a869b16c3dd4e1e403cce337df165368c71d6af229a74699622ce/${WHEEL}#sha256=${WHEEL_SHA}" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=0123" data-core-metadata="sha256=0123">${WHEEL}</a><br/>
    <a href="../../packages/aa/bb/cc/wheel-0.42.0-py3-none-any.whl#sha256=${'a'.repeat(64)}" data-requires-python="&gt;=3.7" data-yanked="broken &amp; replaced">wheel-0.42.0-py3-none-any.whl</a><br/>
    <a href="../../packages/dd/ee/ff/wheel-0.41.0.tar.gz#md5=0123456789abcdef0123456789abcdef">wheel-0.41.0.tar.gz</a><br/>
  </body>
</html>
<!--SERIAL 23456789-->
`;

/** A PEP 691 JSON page (pypi.org's shape: files on the CDN). */
const JSON_PAGE = JSON.stringify({
  meta: { 'api-version': '1.1', _last_serial: 23456789 },
  name: 'wheel',
  versions: ['0.42.0', '0.43.0'],
  files: [
    {
      filename: WHEEL,
      url: `https://files.pythonhosted.org/packages/7d/cd/d7460c9a/${WHEEL}`,
      hashes: { sha256: WHEEL_SHA },
      'requires-python': '>=3.8',
      size: 65775,
      'upload-time': '2024-03-11T19:29:14.070Z',
      yanked: false,
    },
    { filename: 'wheel-0.42.0-py3-none-any.whl', url: '../../packages/aa/wheel-0.42.0-py3-none-any.whl', hashes: {}, size: 100, yanked: 'broken metadata' },
    { filename: 'wheel-0.41.0-py3-none-any.whl', url: 'x.whl', hashes: { sha256: 'b'.repeat(64) }, yanked: true },
    { filename: 'wheel-0.40.0-py3-none-any.whl', hashes: {} },
    'not an object',
  ],
});

const names = (links: { name: string }[]): string[] => links.map((link) => link.name);

describe('parseLinks on directory listings', () => {
  const page = new URL('http://127.0.0.1:8080/wheels/');

  it('nginx autoindex: files only, hrefs whole (not the cut text), parent and folders skipped', () => {
    const links = parseLinks(NGINX, page);
    expect(names(links)).toEqual([
      WHEEL,
      `${WHEEL}.sha256`,
      SMALL,
      'averyveryverylongprojectname_with_parts-1.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    ]);
    expect(links[0]).toEqual({ name: WHEEL, url: `http://127.0.0.1:8080/wheels/${WHEEL}` });
    // A directory listing states no digest: the sidecars do.
    expect(links.every((link) => link.sha256 === undefined && link.size === undefined)).toBe(true);
  });

  it('Apache autoindex: sort links (?C=N;O=D) and Parent Directory are not files', () => {
    const links = parseLinks(APACHE, new URL('http://127.0.0.1:8080/wheels/'));
    expect(names(links)).toEqual([WHEEL, `${WHEEL}.sha256`]);
    expect(links[1]!.url).toBe(`http://127.0.0.1:8080/wheels/${WHEEL}.sha256`);
  });

  it('python http.server: percent-encoded hrefs give the decoded name', () => {
    const links = parseLinks(PYTHON, page);
    expect(names(links)).toEqual(['pkg-1.0+local-py3-none-any.whl', 'pkg-1.0+local-py3-none-any.whl.sha256', WHEEL]);
    expect(links[0]!.url).toBe('http://127.0.0.1:8080/wheels/pkg-1.0%2Blocal-py3-none-any.whl');
  });

  it('resolves against the final address: a page served at /wheels (no slash) resolves beside it', () => {
    expect(parseLinks(`<a href="${WHEEL}">x</a>`, new URL('http://h/dir/wheels'))[0]!.url).toBe(`http://h/dir/${WHEEL}`);
  });
});

describe('parseLinks on PEP 503 pages', () => {
  const page = new URL('https://mirror.example.org/simple/wheel/');

  it('follows ../../packages/… links, takes #sha256= as the digest, notes data-yanked (entities decoded), ignores other hashes', () => {
    const links = parseLinks(MIRROR, page);
    expect(links).toEqual([
      {
        name: WHEEL,
        url: `https://mirror.example.org/packages/7d/cd/d7460c9a869b16c3dd4e1e403cce337df165368c71d6af229a74699622ce/${WHEEL}`,
        sha256: WHEEL_SHA,
        from: LISTED_FROM.fragment,
      },
      {
        name: 'wheel-0.42.0-py3-none-any.whl',
        url: 'https://mirror.example.org/packages/aa/bb/cc/wheel-0.42.0-py3-none-any.whl',
        sha256: 'a'.repeat(64),
        from: LISTED_FROM.fragment,
        yanked: 'broken & replaced',
      },
      { name: 'wheel-0.41.0.tar.gz', url: 'https://mirror.example.org/packages/dd/ee/ff/wheel-0.41.0.tar.gz' },
    ]);
    expect(LISTED_FROM.fragment).toBe("the index page's #sha256= fragment");
  });

  it('honours the first <base href>, and links to another host (a CDN)', () => {
    const html = `<html><head><base href="https://cdn.example.net/files/"><base href="https://evil.example/"></head>
      <body><a href="${WHEEL}#sha256=${WHEEL_SHA}">${WHEEL}</a><a href='https://other.example/x/${SMALL}'>${SMALL}</a></body></html>`;
    const links = parseLinks(html, page);
    expect(links.map((link) => link.url)).toEqual([`https://cdn.example.net/files/${WHEEL}`, `https://other.example/x/${SMALL}`]);
  });

  it('reads attributes as HTML does: unquoted, upper case, single quotes, entities; skips comments, scripts and non-http links', () => {
    const html = `<!-- <a href="commented.whl"> -->
      <script>var s = '<a href="scripted.whl">';</script>
      <A HREF=a-1.0-py3-none-any.whl DATA-YANKED>a</A>
      <a title='x > y' href='b-1.0-py3-none-any.whl?x=1&amp;y=2#sha256=ABC'>b</a>
      <a href="mailto:someone@example.org">mail</a><a href="javascript:alert(1)">js</a><a name="anchor">no href</a><a href="#top">top</a>`;
    const links = parseLinks(html, new URL('https://h/simple/a/'));
    expect(links).toEqual([
      { name: 'a-1.0-py3-none-any.whl', url: 'https://h/simple/a/a-1.0-py3-none-any.whl', yanked: '' },
      { name: 'b-1.0-py3-none-any.whl', url: 'https://h/simple/a/b-1.0-py3-none-any.whl?x=1&y=2', sha256: 'ABC', from: LISTED_FROM.fragment },
    ]);
  });

  it('gives raw names for the door to judge: an encoded slash or control character is not hidden', () => {
    const links = parseLinks('<a href="..%2F..%2Fetc%2Fpasswd">x</a><a href="x%0A%1B.whl">y</a><a href="bad%zz.whl">z</a>', page);
    expect(names(links)).toEqual(['../../etc/passwd', 'x\n\u001b.whl', 'bad%zz.whl']);
    const admitted = admitListing(toEntries(links, page).entries, ['*.whl', '*'], page.href);
    // Nothing gets in; the control characters and the stray '%' are problems (a name with '/' no pattern selects is left unread).
    expect(admitted.entries).toEqual([]);
    expect(admitted.problems.map((problem) => problem.message)).toEqual([
      expect.stringContaining('holds characters no distribution'),
      expect.stringContaining('control or invisible characters'),
    ]);
  });

  it('stays linear on a hostile page: 100,000 script tags, one name linked 150,000 times', () => {
    const page = new URL('https://h/simple/x/');
    const started = Date.now();
    const scripts = '<SCRIPT>x</SCRIPT>'.repeat(100_000);
    const same = `<a href="${WHEEL}">x</a>`.repeat(150_000);
    const links = parseLinks(`${scripts}${same}`, page);
    const { entries } = toEntries(links, page);
    expect(links).toHaveLength(150_000);
    expect(entries).toEqual([{ name: WHEEL }]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses more than 200,000 links', () => {
    expect(() => parseLinks('<a href="a">a</a>'.repeat(200_001), new URL('https://h/'))).toThrow(/lists more than 200000 files/);
  });

  it('decodes character references', () => {
    expect(decodeEntities('&gt;=3.8 &amp;&#x41;&#66;&lt;&quot;&unknown;')).toBe('>=3.8 &AB<"&unknown;');
  });
});

describe('parseSimpleJson (PEP 691)', () => {
  const page = new URL('https://pypi.org/simple/wheel/');

  it('files[].filename, url resolved against the page, hashes.sha256, size, yanked (true or a reason)', () => {
    const links = parseSimpleJson(JSON_PAGE, page);
    expect(links).toEqual([
      { name: WHEEL, url: `https://files.pythonhosted.org/packages/7d/cd/d7460c9a/${WHEEL}`, sha256: WHEEL_SHA, from: LISTED_FROM.json, size: 65775 },
      { name: 'wheel-0.42.0-py3-none-any.whl', url: 'https://pypi.org/packages/aa/wheel-0.42.0-py3-none-any.whl', size: 100, yanked: 'broken metadata' },
      { name: 'wheel-0.41.0-py3-none-any.whl', url: 'https://pypi.org/simple/wheel/x.whl', sha256: 'b'.repeat(64), from: LISTED_FROM.json, yanked: '' },
      { name: 'wheel-0.40.0-py3-none-any.whl', url: '' },
    ]);
    expect(LISTED_FROM.json).toBe("the index's JSON hashes");
  });

  it('a file without a url becomes a refused entry, not a silent omission', () => {
    const { entries, addresses } = toEntries(parseSimpleJson(JSON_PAGE, page), page);
    const missing = entries.find((entry) => entry.name === 'wheel-0.40.0-py3-none-any.whl');
    expect(missing?.refused).toMatch(/has no address/);
    expect(addresses.has('wheel-0.40.0-py3-none-any.whl')).toBe(false);
    expect(entries.find((entry) => entry.name === WHEEL)).toEqual({ name: WHEEL, size: 65775, listedSha256: WHEEL_SHA, listedFrom: LISTED_FROM.json });
  });

  it.each([
    ['not JSON', '{"files": [', /is not JSON/],
    ['no files', '{"meta": {}}', /has no "files" list/],
    ['files not a list', '{"files": {"a": 1}}', /has no "files" list/],
  ])('refuses a document that is %s', (_label, text, message) => {
    expect(() => parseSimpleJson(text, page)).toThrow(ContainerError);
    expect(() => parseSimpleJson(text, page)).toThrow(message);
  });
});

describe('parseSumsFile', () => {
  const sums = new URL('https://example.org/releases/1.0/SHA256SUMS');

  it('names beside the file, each with its digest; a path in a line is followed relative to it', () => {
    const text = `${WHEEL_SHA}  ${WHEEL}\r\n${SMALL_SHA.toUpperCase()} *dist/${SMALL}\n\n`;
    expect(parseSumsFile(text, sums)).toEqual([
      { name: WHEEL, url: `https://example.org/releases/1.0/${WHEEL}`, sha256: WHEEL_SHA, from: `SHA256SUMS at ${sums.href}` },
      { name: SMALL, url: `https://example.org/releases/1.0/dist/${SMALL}`, sha256: SMALL_SHA, from: `SHA256SUMS at ${sums.href}` },
    ]);
  });

  it('a malformed line refuses the file, naming it and the line', () => {
    expect(() => parseSumsFile(`${WHEEL_SHA}  ${WHEEL}\nnot a line at all\n`, sums)).toThrow(/SHA256SUMS at https:\/\/example.org\/releases\/1.0\/SHA256SUMS: entry 2/);
  });
});

describe('recognise', () => {
  const at = (url: string) => new URL(url);
  it.each([
    ['application/vnd.pypi.simple.v1+json', '{}', 'https://h/simple/a/', ListingKind.Json],
    ['application/json; charset=utf-8', '{}', 'https://h/simple/a/', ListingKind.Json],
    ['text/html; charset=utf-8', '<html>', 'https://h/simple/a/', ListingKind.Html],
    ['application/vnd.pypi.simple.v1+html', '<html>', 'https://h/simple/a/', ListingKind.Html],
    ['application/octet-stream', `${WHEEL_SHA}  ${WHEEL}\n`, 'https://h/dir/SHA256SUMS', ListingKind.Sums],
    ['text/plain', `${WHEEL_SHA}  ${WHEEL}\n`, 'https://h/dir/checksums.txt', ListingKind.Sums],
    [undefined, '  {"files": []}', 'https://h/x', ListingKind.Json],
    [undefined, '<!DOCTYPE html><a href=x>', 'https://h/x', ListingKind.Html],
    ['text/plain', 'hello world', 'https://h/x', undefined],
  ])('%s at %s', (type, text, url, kind) => {
    expect(recognise(text, type, at(url))).toBe(kind);
  });

  it('parseListing dispatches on the kind', () => {
    expect(parseListing(ListingKind.Sums, `${WHEEL_SHA}  ${WHEEL}\n`, at('https://h/d/SHA256SUMS'))[0]!.url).toBe(`https://h/d/${WHEEL}`);
  });
});

describe('toEntries', () => {
  const page = new URL('https://h/simple/wheel/');

  it('one name linked twice with different addresses is one refused entry naming both, never one picked', () => {
    const { entries, addresses } = toEntries(
      [
        { name: WHEEL, url: `https://h/a/${WHEEL}`, sha256: WHEEL_SHA, from: LISTED_FROM.fragment },
        { name: WHEEL, url: `https://cdn.example/b/${WHEEL}`, sha256: WHEEL_SHA, from: LISTED_FROM.fragment },
      ],
      page,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]!.refused).toContain(`https://h/a/${WHEEL}`);
    expect(entries[0]!.refused).toContain(`https://cdn.example/b/${WHEEL}`);
    expect(addresses.size).toBe(0);
  });

  it('the same address twice is one entry; with two digests it is refused', () => {
    const once = toEntries(
      [
        { name: WHEEL, url: `https://h/a/${WHEEL}` },
        { name: WHEEL, url: `https://h/a/${WHEEL}`, sha256: WHEEL_SHA, from: LISTED_FROM.fragment },
      ],
      page,
    );
    expect(once.entries).toEqual([{ name: WHEEL, listedSha256: WHEEL_SHA, listedFrom: LISTED_FROM.fragment }]);
    expect(once.addresses.get(WHEEL)).toBe(`https://h/a/${WHEEL}`);
    const twice = toEntries(
      [
        { name: WHEEL, url: `https://h/a/${WHEEL}`, sha256: WHEEL_SHA, from: LISTED_FROM.fragment },
        { name: WHEEL, url: `https://h/a/${WHEEL}`, sha256: 'c'.repeat(64), from: LISTED_FROM.fragment },
      ],
      page,
    );
    expect(twice.entries[0]!.refused).toMatch(/different sha256 digests/);
  });

  it('refuses a plain-http link from an https page', () => {
    const { entries } = toEntries([{ name: WHEEL, url: `http://cdn.example/${WHEEL}` }], page);
    expect(entries[0]!.refused).toMatch(/plain http:\/\//);
    expect(toEntries([{ name: WHEEL, url: `http://cdn.example/${WHEEL}` }], new URL('http://127.0.0.1/')).entries[0]!.refused).toBeUndefined();
  });
});
