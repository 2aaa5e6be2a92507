/**
 * A job summary as GitHub shows it, for tests to read: rendered as GitHub
 * Flavored Markdown with raw HTML allowed (GitHub renders summaries with
 * cmark-gfm, raw HTML kept, then sanitizes), by micromark with its GFM
 * extension (CommonMark and the GFM spec, tag filter included: what remark
 * and so GitHub's docs tooling parse with), then parsed as a browser parses
 * HTML (parse5: a `<tr>` outside a `<tbody>` gets one, a stray tag is
 * dropped or moved), into a small tree to ask questions of.
 */
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { type DefaultTreeAdapterMap, parseFragment } from 'parse5';

/** An element of the rendered summary: its tag, attributes and children; text as strings. */
export interface Element {
  tag: string;
  attrs: Record<string, string>;
  children: (Element | string)[];
}

/**
 * The elements and attributes GitHub's sanitizer keeps (a subset of
 * html-pipeline's allowlist: the ones a summary has reason to use). What a
 * summary renders to must stay inside it and carry no attribute at all: then
 * sanitizing changes nothing, and what the tests read is what GitHub shows.
 */
export const SUMMARY_ELEMENTS = new Set(['h3', 'p', 'strong', 'code', 'pre', 'ul', 'li', 'table', 'tbody', 'tr', 'th', 'td', 'details', 'summary']);

/** Markdown (with HTML) to HTML, as GFM renders it with raw HTML allowed. */
export function renderGfm(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

type Parse5Node = DefaultTreeAdapterMap['childNode'];

function convert(node: Parse5Node): Element | string | undefined {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  if (node.nodeName === '#comment' || !('tagName' in node)) return undefined;
  const element = node as DefaultTreeAdapterMap['element'];
  const children = (element.tagName === 'template' ? [] : element.childNodes).map(convert).filter((child) => child !== undefined);
  return { tag: element.tagName, attrs: Object.fromEntries(element.attrs.map((attr) => [attr.name, attr.value])), children };
}

/** HTML parsed as a browser would parse it inside a page's body. */
export function parseHtml(html: string): Element {
  const fragment = parseFragment(html);
  return { tag: '#fragment', attrs: {}, children: fragment.childNodes.map(convert).filter((child) => child !== undefined) };
}

/** A summary as GitHub would show it: rendered, then parsed. */
export function renderSummary(markdown: string): Element {
  return parseHtml(renderGfm(markdown));
}

/** The element children, whitespace-only text left out (text that is not whitespace throws: nothing may stand outside an element). */
export function blocks(node: Element): Element[] {
  return node.children.filter((child): child is Element => {
    if (typeof child !== 'string') return true;
    if (child.trim() !== '') throw new Error(`text outside any element: ${JSON.stringify(child.slice(0, 80))}`);
    return false;
  });
}

/** Every element under `node` (itself included), depth first. */
export function allElements(node: Element): Element[] {
  return [node, ...node.children.flatMap((child) => (typeof child === 'string' ? [] : allElements(child)))];
}

/** The elements with this tag under `node`, depth first. */
export function select(node: Element, tag: string): Element[] {
  return allElements(node).filter((element) => element.tag === tag);
}

/** The text a person reads in `node`. */
export function text(node: Element | string): string {
  return typeof node === 'string' ? node : node.children.map(text).join('');
}
