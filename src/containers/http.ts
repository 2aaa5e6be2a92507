/**
 * `https://…` (and `http://…`): a web address as a read-only container, for
 * collect. The address serves a listing (containers/http-listing.ts: a PEP
 * 691 or 503 simple page, a directory listing, a SHA256SUMS file); each file
 * is fetched from the address its listing gives, which may be another path
 * or another host (a CDN).
 *
 * Built on @actions/http-client (the runner's HTTPS_PROXY/NO_PROXY, keep-
 * alive) with its own redirects switched off: redirects are followed here,
 * so that credentials go to the container's own origin only (http-client
 * strips an Authorization header only when the host name changes, and a
 * credential handler adds it again on every hop) and so that a redirect's
 * body is never read (http-client reads it whole).
 */
import type { HttpClient, HttpClientResponse } from '@actions/http-client';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { MAX_REDIRECTS, MAX_WEB_LISTING_BYTES, readBounded } from '../core/bounds.js';
import { ContainerError, InputError, isRetryable, messageOf, NotFoundError, TransferError, UnreachableError, WheelGuardError } from '../core/errors.js';
import { exportsOf } from '../core/modules.js';
import { retryAfterMs } from '../core/retry.js';
import { quote } from '../core/untrusted.js';
import type { Body, Container, Entry } from './container.js';
import { LISTING_ACCEPT, parseListing, recognise, shownUrl, toEntries, type WebListing } from './http-listing.js';

/** Settings from inputs. */
export interface HttpSettings {
  /** Milliseconds a connection may take to open, or stay silent, before it is given up (the `timeout` input). */
  idleTimeoutMs?: number;
}

/** Why post-build cannot use a web address, in one line naming what it can use. */
export function readOnlyMessage(url: string): string {
  return `container: ${url} is read-only (a web address); post-build writes to a directory, file://, s3:// or artifact://`;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Node's error codes for a certificate the machine does not trust. */
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** `raw` with any userinfo replaced by `***`, for messages about a URL that did not parse. */
function redacted(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
}

/** The host names that stay on this machine: plain http there needs no warning. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
}

/** A parsed container address: where it is, and the credentials it carried. */
export interface HttpAddress {
  /** The address without userinfo or fragment. */
  address: URL;
  /** `Basic …` for the userinfo, if there was one. */
  authorization?: string;
}

/**
 * Parses an `https://` or `http://` container URL, taking the userinfo out
 * of it. Throws InputError (never echoing the credentials) for what is no
 * http(s) URL.
 */
export function parseHttpUrl(raw: string): HttpAddress {
  let address: URL;
  try {
    address = new URL(raw.trim());
  } catch {
    throw new InputError(`container: ${redacted(raw)} is not a valid URL; give e.g. https://example.org/simple/NAME/`);
  }
  if (address.protocol !== 'https:' && address.protocol !== 'http:') {
    throw new InputError(`container: ${redacted(raw)} is not an http(s) URL`);
  }
  let authorization: string | undefined;
  if (address.username !== '' || address.password !== '') {
    let userinfo: string;
    try {
      userinfo = `${decodeURIComponent(address.username)}:${decodeURIComponent(address.password)}`;
    } catch {
      throw new InputError(`container: ${redacted(raw)}: the user or password is not valid percent-encoding (write % as %25)`);
    }
    authorization = `Basic ${Buffer.from(userinfo).toString('base64')}`;
    address.username = '';
    address.password = '';
  }
  address.hash = '';
  return { address, ...(authorization ? { authorization } : {}) };
}

/** A status a container cannot use, for one file: neither retried nor the run's end. */
class HttpAnswerError extends WheelGuardError {}

/**
 * A web address as a read-only container. `url` never holds credentials:
 * userinfo goes as Basic authorization to the container's own origin
 * (scheme, host and port) only, never to another host a link or a redirect
 * leads to. Files resume with `Range` guarded by `If-Range`; a 200 to a
 * ranged request comes back as a body that `startsAt` 0.
 */
export class HttpContainer implements Container {
  readonly readOnly = true;
  readonly resumable = true;
  readonly url: string;
  /** Said once by the run before it starts (plain http:// off this machine). */
  readonly warnings: readonly string[];
  private readonly address: URL;
  private readonly origin: string;
  private readonly authorization: string | undefined;
  private readonly idleMs: number;
  /** One client per scheme: http-client keeps one agent per client, made for the first scheme it saw. */
  private readonly clients = new Map<string, HttpClient>();
  private listing: WebListing | undefined;
  private firstListing: Promise<unknown> | undefined;
  /** Per file: the validator (strong ETag, else Last-Modified) of its last full answer, for If-Range. */
  private readonly validators = new Map<string, string>();

  constructor(raw: string, settings: HttpSettings = {}) {
    const { address, authorization } = parseHttpUrl(raw);
    this.address = address;
    this.url = address.href;
    this.origin = address.origin;
    this.authorization = authorization;
    this.idleMs = settings.idleTimeoutMs ?? 30_000;
    this.warnings =
      address.protocol === 'http:' && !isLoopback(address.hostname)
        ? [
            `container: ${this.url} is plain http:// off this machine: nothing authenticates the server, and its digests come from it too, ` +
              `so anyone on the way could change a wheel and its digest alike${authorization ? ' (and read the credentials)' : ''}; use https://, or give digests`,
          ]
        : [];
  }

  /** @actions/http-client, loaded on first use (it brings undici): a run without a web address never parses it. */
  private async client(url: URL): Promise<HttpClient> {
    let client = this.clients.get(url.protocol);
    if (!client) {
      const { HttpClient } = exportsOf(await import('@actions/http-client'), 'HttpClient');
      client = this.clients.get(url.protocol) ?? new HttpClient('wheel-guard', [], { allowRedirects: false, keepAlive: true, socketTimeout: this.idleMs, maxSockets: 32 });
      this.clients.set(url.protocol, client);
    }
    return client;
  }

  /** A failure before any answer: one line naming the host and what to check. */
  private unreachable(error: unknown, url: URL, what: string): Error {
    const code = String((error as { code?: unknown })?.code ?? '');
    const message = messageOf(error);
    const seconds = this.idleMs / 1000;
    if (/^Request timeout/.test(message)) {
      return new UnreachableError(`${url.origin} did not answer within ${seconds} s for ${what}: check the address and the network (timeout input: ${seconds})`, { cause: error });
    }
    if (TLS_CODES.test(code)) {
      return new ContainerError(`${url.origin}: its TLS certificate is not trusted (${code}) for ${what}; a private CA can be added with NODE_EXTRA_CA_CERTS`, { cause: error });
    }
    if (isRetryable(error)) {
      return new UnreachableError(`cannot reach ${url.origin} for ${what} (${code || message}): check the address, the network and HTTPS_PROXY/NO_PROXY`, { cause: error });
    }
    return new TransferError(`${url.origin}: ${what}: ${message}`, { cause: error });
  }

  /**
   * GETs `start`, following up to MAX_REDIRECTS redirects (never from https
   * to http). Authorization goes only where the origin is the container's.
   */
  private async get(start: URL, headers: OutgoingHttpHeaders, what: string): Promise<{ message: IncomingMessage; url: URL }> {
    let url = start;
    for (let redirects = 0; ; redirects++) {
      const sent: OutgoingHttpHeaders = { ...headers, ...(this.authorization && url.origin === this.origin ? { authorization: this.authorization } : {}) };
      let response: HttpClientResponse;
      try {
        response = await (await this.client(url)).get(url.href, sent);
      } catch (error: unknown) {
        throw this.unreachable(error, url, what);
      }
      const { message } = response;
      if (!REDIRECT_STATUSES.has(message.statusCode ?? 0)) return { message, url };
      // A redirect's body is nobody's business: not read.
      message.destroy();
      const location = message.headers.location;
      let next: URL | undefined;
      try {
        next = location ? new URL(location, url) : undefined;
      } catch {
        next = undefined;
      }
      if (!next || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
        throw new HttpAnswerError(`${what}: ${shownUrl(url.href)} answered ${message.statusCode} without an http(s) address to go to`);
      }
      if (url.protocol === 'https:' && next.protocol === 'http:') {
        throw new HttpAnswerError(`${what}: ${shownUrl(url.href)} redirects to plain http:// (${next.origin}); refused: anyone on the way could change what it sends`);
      }
      if (redirects >= MAX_REDIRECTS) {
        throw new HttpAnswerError(`${what}: more than ${MAX_REDIRECTS} redirects from ${shownUrl(start.href)} (the last to ${shownUrl(next.href)}); refused`);
      }
      next.username = '';
      next.password = '';
      url = next;
    }
  }

  /** Turns a status no caller can use into one line: not found, credentials, try later, or refused. */
  private refuse(message: IncomingMessage, url: URL, what: string): never {
    const status = message.statusCode ?? 0;
    message.destroy();
    const answered = `${shownUrl(url.href)} answered ${status}`;
    if (status === 404 || status === 410) throw new NotFoundError(`${what}: not found (${answered})`);
    if (status === 401 || status === 403) {
      if (url.origin !== this.origin) {
        throw new ContainerError(
          `${what}: ${answered}: access refused at ${url.origin}, where a link or redirect from ${this.url} led; credentials are sent to ${this.origin} only`,
        );
      }
      throw new ContainerError(
        this.authorization
          ? `${what}: ${answered}: the credentials in the container URL were refused; check the user and token (they are never shown)`
          : `${what}: ${answered}: it needs credentials; give them in the container URL (https://USER:TOKEN@host/…), which are masked and sent to ${this.origin} only`,
      );
    }
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfter = retryAfterMs(message.headers['retry-after']);
      throw Object.assign(new TransferError(`${what}: ${answered}${retryAfter !== undefined ? ` (Retry-After: ${retryAfter / 1000} s)` : ''}`), retryAfter !== undefined ? { retryAfterMs: retryAfter } : {});
    }
    throw new HttpAnswerError(`${what}: ${answered}`);
  }

  /** A listing's body, inflated if it came gzip-compressed, cut at MAX_WEB_LISTING_BYTES of inflated text. */
  private async readListing(message: IncomingMessage, url: URL): Promise<string> {
    const encoding = String(message.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    let body: Readable = message;
    if (encoding === 'gzip' || encoding === 'x-gzip') body = pipeline(message, createGunzip(), () => undefined);
    else if (encoding === 'deflate') body = pipeline(message, createInflate(), () => undefined);
    else if (encoding !== 'identity' && encoding !== '') {
      message.destroy();
      throw new ContainerError(`${shownUrl(url.href)} sent its listing in the ${quote(encoding)} encoding, which was not asked for`);
    }
    try {
      return (await readBounded(body, MAX_WEB_LISTING_BYTES, `the listing at ${shownUrl(url.href)}`, this.idleMs)).toString('utf8');
    } catch (error: unknown) {
      if (error instanceof WheelGuardError) throw error;
      throw new TransferError(`the listing at ${shownUrl(url.href)} broke off: ${messageOf(error)}`, { cause: error });
    } finally {
      message.destroy();
    }
  }

  async list(prefix = ''): Promise<Entry[]> {
    const { message, url } = await this.get(this.address, { accept: LISTING_ACCEPT, 'accept-encoding': 'gzip' }, 'the listing');
    if (message.statusCode === 404 || message.statusCode === 410) {
      message.destroy();
      throw new ContainerError(`nothing at ${shownUrl(url.href)} (${message.statusCode}): check the container address`);
    }
    if (message.statusCode !== 200) this.refuse(message, url, `the listing at ${this.url}`);
    const contentType = message.headers['content-type'];
    const text = await this.readListing(message, url);
    const kind = recognise(text, contentType, url);
    if (!kind) {
      throw new ContainerError(
        `${shownUrl(url.href)} serves ${quote(contentType ?? 'no content type')}, neither a PEP 691 or 503 simple page, a directory listing nor a SHA256SUMS file; point the container at one`,
      );
    }
    this.listing = toEntries(parseListing(kind, text, url), url);
    return this.listing.entries.filter((entry) => entry.name.startsWith(prefix));
  }

  /** The last listing, fetched once if no run listed it yet (concurrent readers share the one fetch). */
  private async listed(): Promise<WebListing> {
    // Shared while it runs, forgotten once done: a failed fetch is tried afresh by the next caller.
    if (!this.listing) await (this.firstListing ??= this.list().finally(() => (this.firstListing = undefined)));
    return this.listing!;
  }

  /** Where a listed name is fetched from, and the size the listing gives; NotFoundError for a name it does not link. */
  private async locate(name: string): Promise<{ address: URL; size: number | undefined }> {
    const listing = await this.listed();
    const address = listing.addresses.get(name);
    if (address === undefined) throw new NotFoundError(`${quote(name)}: not linked from ${this.url}`);
    return { address: new URL(address), size: listing.entries.find((entry) => entry.name === name)?.size };
  }

  /** Remembers what If-Range may ask for next time: a strong ETag, else Last-Modified. */
  private remember(name: string, headers: IncomingHttpHeaders): void {
    const etag = headers.etag;
    const validator = etag && !etag.startsWith('W/') ? etag : headers['last-modified'];
    if (validator) this.validators.set(name, validator);
    else this.validators.delete(name);
  }

  async read(name: string, offset = 0): Promise<Body> {
    const { address, size } = await this.locate(name);
    // Without a validator from a full answer, a range could splice two versions of a file: ask for all of it.
    const validator = offset > 0 ? this.validators.get(name) : undefined;
    const headers: OutgoingHttpHeaders = { accept: '*/*', 'accept-encoding': 'identity' };
    if (validator) Object.assign(headers, { range: `bytes=${offset}-`, 'if-range': validator });
    const { message, url } = await this.get(address, headers, name);
    const status = message.statusCode;
    if (status === 206 && validator) {
      const range = message.headers['content-range'];
      if (Number(/^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(range ?? '')?.[1]) !== offset) {
        message.destroy();
        throw new TransferError(`${name}: asked ${shownUrl(url.href)} for bytes from ${offset}, got ${range ? quote(range) : 'no Content-Range'}`);
      }
      return message;
    }
    if (status === 416 && validator) {
      const total = /^bytes \*\/(\d+)$/.exec(message.headers['content-range'] ?? '')?.[1];
      message.destroy();
      // Every byte was already there (the connection broke after the last one): nothing more to send.
      if (Number(total) === offset) return Object.assign(Readable.from([]), { startsAt: offset });
      return this.read(name, 0);
    }
    if (status === 200) {
      const length = message.headers['content-length'];
      if (size !== undefined && length !== undefined && Number(length) !== size) {
        // The same answer would come again: refused now, not downloaded to fail at its end.
        message.destroy();
        throw new HttpAnswerError(`${name}: ${shownUrl(url.href)} sends ${length} bytes, the listing says ${size}; refused`);
      }
      this.remember(name, message.headers);
      // Asked for a range and sent the whole file (it changed, or ranges are not served): from 0.
      return Object.assign(message, { startsAt: 0 });
    }
    return this.refuse(message, url, name);
  }

  async stat(name: string): Promise<Entry | undefined> {
    return (await this.listed()).entries.find((entry) => entry.name === name);
  }

  write(): Promise<void> {
    return Promise.reject(new ContainerError(readOnlyMessage(this.url)));
  }

  remove(): Promise<void> {
    return Promise.reject(new ContainerError(readOnlyMessage(this.url)));
  }

  async finish(): Promise<void> {
    for (const client of this.clients.values()) client.dispose();
    this.clients.clear();
  }
}
