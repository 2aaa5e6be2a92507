/**
 * `azure://ACCOUNT/CONTAINER/prefix` (or `https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix`):
 * Azure Blob Storage through @azure/storage-blob. Credentials in the order
 * Azure's own tools take them: AZURE_STORAGE_CONNECTION_STRING, a SAS token
 * (the `sas-token` input, AZURE_STORAGE_SAS_TOKEN, or the query of an
 * https:// container address), AZURE_STORAGE_KEY, then @azure/identity's
 * DefaultAzureCredential (what azure/login sets up).
 *
 * Uploads go in blocks of BLOCK_SIZE, each with its MD5 (the service refuses
 * a block that arrives damaged), the whole blob's MD5 as its Content-MD5 (what
 * rclone and the Azure CLI check on download) and the sha256 as metadata; the
 * caller reads the blob back before it writes the sidecar.
 */
import type { BlobServiceClient, BlockBlobUploadOptions, ContainerClient } from '@azure/storage-blob';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { createHash, type Hash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { LimitError, MAX_LISTING_ENTRIES, MAX_LISTING_PAGE_BYTES, formatCap } from '../core/bounds.js';
import { ContainerError, InputError, isNetworkFailure, NotFoundError, TransferError, UnreachableError, WheelGuardError } from '../core/errors.js';
import { CountingStream } from '../core/hash.js';
import { exportsOf } from '../core/modules.js';
import { retryAfterMs } from '../core/retry.js';
import type { Body, Container, Entry, WriteOptions } from './container.js';
import { checkName } from './local.js';

/** Settings from the `endpoint`, `sas-token` and `timeout` inputs. */
export interface AzureSettings {
  /** The blob service URL (Azurite: http://127.0.0.1:10000/devstoreaccount1; a sovereign cloud's). */
  endpoint?: string;
  /** A SAS token (the `sas-token` input); AZURE_STORAGE_SAS_TOKEN when absent. */
  sasToken?: string;
  /** Milliseconds a request may take to answer, or a download stay silent, before it is given up. */
  idleTimeoutMs?: number;
}

/**
 * Block size, and blocks sent at once. A block is read into memory (its MD5
 * goes in the request's header), so at most QUEUE_SIZE + 1 of them are held.
 * A file up to one block goes in a single Put Blob.
 */
export const BLOCK_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** The blob service domains of Azure's public and sovereign clouds. */
const BLOB_DOMAIN = String.raw`\.blob\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)`;

/** An Azure Blob Storage host with a valid account name: the account. */
const AZURE_BLOB_HOST = new RegExp(`^([a-z0-9]{3,24})${BLOB_DOMAIN}$`, 'i');

/** Whether a host is Azure Blob Storage's (any account name, valid or not: parseAzureUrl says which). */
export const isAzureBlobHost = (host: string): boolean => new RegExp(`${BLOB_DOMAIN}$`, 'i').test(host);

/** Azurite's (and the Storage Emulator's) published development account. */
const DEVELOPMENT = {
  account: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
};

/** What a container address names. */
export interface AzureAddress {
  account: string;
  container: string;
  /** The folder inside the container, `a/b/` (empty for its root). */
  folder: string;
  /** The service origin an https:// address named (`https://ACCOUNT.blob.core.windows.net`). */
  endpoint?: string;
  /** The query of an https:// address, when it is a SAS token (`sv=…&sig=…`). */
  sas?: string;
  /** The address as messages show it: never the SAS. */
  display: string;
}

const CONTAINER_NAME = /^(?:[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]|\$root)$/;

/**
 * Reads `azure://ACCOUNT/CONTAINER/prefix` or an https:// blob address
 * (the query, if any, is a SAS token). Throws InputError naming the fix.
 */
export function parseAzureUrl(raw: string): AzureAddress {
  const value = raw.trim();
  const form = 'azure://ACCOUNT/CONTAINER/prefix or https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix';
  let account: string | undefined;
  let path: string;
  let endpoint: string | undefined;
  let sas: string | undefined;
  const azure = /^azure:\/\/([^/?#]*)(?:\/([^?#]*))?$/i.exec(value);
  if (azure) {
    account = azure[1]!;
    path = azure[2] ?? '';
  } else {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InputError(`container: ${redactQuery(value)} is not a valid Azure Blob address; use ${form}`);
    }
    const host = AZURE_BLOB_HOST.exec(url.hostname);
    if (!host || url.username || url.password) throw new InputError(`container: ${redactQuery(value)} is not an Azure Blob address; use ${form}`);
    account = host[1]!.toLowerCase();
    endpoint = `${url.protocol}//${url.host}`;
    path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    if (url.search.length > 1) sas = url.search.slice(1);
  }
  if (!/^[a-z0-9]{3,24}$/.test(account)) {
    throw new InputError(`container: "${account.slice(0, 40)}" is not a storage account name (3 to 24 lowercase letters and digits); use ${form}`);
  }
  const [container = '', ...rest] = path.split('/');
  if (!CONTAINER_NAME.test(container)) {
    throw new InputError(
      `container: ${container === '' ? 'no container named' : `"${container.slice(0, 70)}" is not a blob container name (3 to 63 lowercase letters, digits and single hyphens)`} in ${redactQuery(value)}; use ${form}`,
    );
  }
  const prefix = rest.join('/').replace(/^\/+|\/+$/g, '');
  const folder = prefix === '' ? '' : `${prefix}/`;
  const display = `azure://${account}/${container}/${folder}`;
  return { account, container, folder, ...(endpoint ? { endpoint } : {}), ...(sas ? { sas } : {}), display };
}

/** An address with its query (a SAS token, perhaps) cut off, for messages. */
const redactQuery = (value: string): string => value.replace(/^([a-z]+:\/\/)[^/?#@]*@/i, '$1…@').replace(/[?#].*$/, '?…');

/** The parts of an Azure connection string (`Key=Value;…`; a value may hold `=`). */
export function parseConnectionString(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const piece of value.split(';')) {
    const at = piece.indexOf('=');
    if (at > 0) parts.set(piece.slice(0, at).trim().toLowerCase(), piece.slice(at + 1).trim());
  }
  return parts;
}

/**
 * Every secret the Azure settings carry, to mask before anything is logged:
 * the connection string and its key and SAS, a SAS token and its signature,
 * the query of an https:// container address.
 */
export function azureSecrets(env: NodeJS.ProcessEnv, sasInput: string, containerUrl: string): string[] {
  const secrets: string[] = [];
  const connection = env.AZURE_STORAGE_CONNECTION_STRING ?? '';
  const parts = parseConnectionString(connection);
  const query = /^https?:\/\/[^?#]*\?([^#]*)/i.exec(containerUrl.trim())?.[1] ?? '';
  for (const value of [connection, parts.get('accountkey'), parts.get('sharedaccesssignature'), env.AZURE_STORAGE_KEY, env.AZURE_STORAGE_SAS_TOKEN, sasInput, query]) {
    if (!value) continue;
    secrets.push(value);
    const signature = /(?:^|[?&])sig=([^&]+)/.exec(value)?.[1];
    if (signature) {
      secrets.push(signature);
      try {
        secrets.push(decodeURIComponent(signature));
      } catch {
        // Not valid percent-encoding: masked as written.
      }
    }
  }
  return [...new Set(secrets.filter((secret) => secret.trim().length >= 4))];
}

type BlobSdk = typeof import('@azure/storage-blob');

/** The SDK, loaded on first use (its own chunk): a run that opens no Azure container never parses it. */
let sdkLoading: Promise<BlobSdk> | undefined;
const loadSdk = (): Promise<BlobSdk> => (sdkLoading ??= import('@azure/storage-blob').then((module) => exportsOf(module, 'BlobServiceClient')));

const CREDENTIAL_HELP =
  'set AZURE_STORAGE_CONNECTION_STRING, a SAS token (the sas-token input or AZURE_STORAGE_SAS_TOKEN), AZURE_STORAGE_KEY (with the account named in the container URL), or sign in with azure/login';

/** How the client authenticates, for messages (never the secret). */
type Route = 'connection string' | 'SAS token' | 'account key' | 'DefaultAzureCredential';

/** How a container reaches and signs in to the service. */
interface Plan {
  route: Route;
  /** The blob service URL, without a query. */
  endpoint: string;
  /** An account key (shared-key signing). */
  key?: string;
  /** A SAS token, without its leading `?`. */
  sas?: string;
}

/** What Azure says of a request outside its time window: a SAS before its start or past its expiry, or a clock off by 15 minutes. */
const CLOCK = /time frame|too old|skew|not within the permitted|Request date header/i;

/**
 * The SDK's HTTP client with every answer it would read whole (listings,
 * errors) cut at MAX_LISTING_PAGE_BYTES: a store that sends an endless
 * listing must not fill the memory. Bodies the caller streams (downloads)
 * pass through.
 */
function boundedClient(inner: HttpClient, where: string): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const streamed = request.streamResponseStatusCodes;
      request.streamResponseStatusCodes = new Set([...(streamed ?? []), Number.POSITIVE_INFINITY]);
      const response = await inner.sendRequest(request);
      request.streamResponseStatusCodes = streamed;
      if (streamed?.has(response.status)) return response;
      const body = response.readableStreamBody;
      delete response.readableStreamBody;
      if (!body) return response;
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > MAX_LISTING_PAGE_BYTES) {
          (body as Readable).destroy();
          throw new LimitError(`${where}: the store's answer to ${request.method} ${new URL(request.url).pathname.slice(0, 80)} is larger than ${formatCap(MAX_LISTING_PAGE_BYTES)}; refused`);
        }
        chunks.push(chunk);
      }
      response.bodyAsText = Buffer.concat(chunks).toString('utf8');
      return response;
    },
  };
}

export class AzureContainer implements Container {
  readonly resumable = true;
  readonly url: string;
  private connecting?: Promise<{ sdk: BlobSdk; container: ContainerClient }>;
  /** The route, endpoint and secret, decided when the container is opened. */
  private readonly planned: Plan;

  constructor(
    private readonly address: AzureAddress,
    private readonly settings: AzureSettings,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.url = address.display;
    this.planned = this.plan();
  }

  private get idle(): number {
    return this.settings.idleTimeoutMs ?? 30_000;
  }

  /** The SDK and a client for this container, made once. */
  private client(): Promise<{ sdk: BlobSdk; container: ContainerClient }> {
    return (this.connecting ??= (async () => {
      const sdk = await loadSdk();
      return { sdk, container: (await this.makeService(sdk)).getContainerClient(this.address.container) };
    })());
  }

  /** The service URL: the endpoint input, else what the address or connection string said, else the public cloud's. */
  private serviceUrl(fallback?: string): string {
    const given = this.settings.endpoint?.trim().replace(/\/+$/, '');
    if (given) {
      const url = new URL(given);
      // Azurite and the emulator serve accounts path-style: http://127.0.0.1:10000/ACCOUNT.
      const local = /^(?:localhost|127(?:\.\d+){3}|\[::1\])$/i.test(url.hostname);
      return local && (url.pathname === '/' || url.pathname === '') ? `${url.origin}/${this.address.account}` : given;
    }
    return fallback ?? this.address.endpoint ?? `https://${this.address.account}.blob.core.windows.net`;
  }

  /**
   * How to reach and sign in to the service, from the settings and the
   * environment, in Azure's order. Throws InputError for a credential that
   * cannot be for this container (another account, no key in it).
   */
  private plan(): Plan {
    const { account } = this.address;
    const env = this.env;
    const connection = env.AZURE_STORAGE_CONNECTION_STRING?.trim();
    if (connection) {
      const parts = parseConnectionString(connection);
      const development = /^true$/i.test(parts.get('usedevelopmentstorage') ?? '');
      const named = development ? DEVELOPMENT.account : parts.get('accountname');
      if (named !== undefined && named !== account) {
        throw new InputError(
          `container: ${this.url} is in storage account "${account}", but AZURE_STORAGE_CONNECTION_STRING is for account "${named.slice(0, 24)}"; use that account's connection string, or name its account in the container URL`,
        );
      }
      const suffix = parts.get('endpointsuffix') ?? 'core.windows.net';
      const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
      const endpoint = this.serviceUrl(development ? DEVELOPMENT.endpoint : (parts.get('blobendpoint') ?? `${protocol}://${account}.blob.${suffix}`));
      const key = development ? DEVELOPMENT.key : parts.get('accountkey');
      const sas = parts.get('sharedaccesssignature')?.replace(/^\?/, '');
      if (key) return { route: 'connection string', endpoint, key };
      if (sas) return { route: 'connection string', endpoint, sas };
      throw new InputError('AZURE_STORAGE_CONNECTION_STRING holds neither AccountKey= nor SharedAccessSignature=; copy the whole connection string from the storage account\'s "Access keys" page');
    }
    const sas = (this.settings.sasToken || env.AZURE_STORAGE_SAS_TOKEN || this.address.sas || '').trim().replace(/^\?/, '');
    if (sas) {
      if (!/(?:^|&)sig=/.test(sas)) throw new InputError('sas-token: not a SAS token (it has no sig= part); copy the whole token, e.g. sv=…&sp=rwdl&sig=…');
      return { route: 'SAS token', endpoint: this.serviceUrl(), sas };
    }
    const key = env.AZURE_STORAGE_KEY?.trim();
    if (key) {
      const named = env.AZURE_STORAGE_ACCOUNT?.trim();
      if (named && named !== account) {
        throw new InputError(`container: ${this.url} is in storage account "${account}", but AZURE_STORAGE_ACCOUNT (whose key AZURE_STORAGE_KEY holds) is "${named.slice(0, 24)}"; name the right account`);
      }
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) throw new InputError('AZURE_STORAGE_KEY is not an account key (base64, from the storage account\'s "Access keys" page)');
      return { route: 'account key', endpoint: this.serviceUrl(), key };
    }
    return { route: 'DefaultAzureCredential', endpoint: this.serviceUrl() };
  }

  private async makeService(sdk: BlobSdk): Promise<BlobServiceClient> {
    const { endpoint, key, sas } = this.planned;
    let credential: unknown;
    if (key) credential = new sdk.StorageSharedKeyCredential(this.address.account, key);
    else if (sas) credential = new sdk.AnonymousCredential();
    else {
      if (!endpoint.toLowerCase().startsWith('https:')) {
        // The SDK sends a token only over TLS: say what to set rather than its message.
        throw new ContainerError(`no Azure credentials found for ${this.url}: ${CREDENTIAL_HELP} (a signed-in identity is only sent over https://, and ${endpoint} is not)`);
      }
      const { DefaultAzureCredential } = exportsOf(await import('@azure/identity'), 'DefaultAzureCredential');
      credential = new DefaultAzureCredential();
    }
    const { createDefaultHttpClient } = exportsOf(await import('@azure/core-rest-pipeline'), 'createDefaultHttpClient');
    const pipeline = sdk.newPipeline(credential as never, { retryOptions: { maxTries: 2 }, userAgentOptions: { userAgentPrefix: 'wheel-guard' } });
    // The SDK's own HTTP client, with answers it reads whole bounded (private field: the public httpClient option takes a v1 client).
    (pipeline as unknown as { _coreHttpClient: HttpClient })._coreHttpClient = boundedClient(createDefaultHttpClient(), this.url);
    return new sdk.BlobServiceClient(sas ? `${endpoint}?${sas}` : endpoint, pipeline);
  }

  private key(name: string): string {
    checkName(name);
    return this.address.folder + name;
  }

  /** A signal that aborts a request that has not answered within the idle timeout (plus `extraMs`). */
  private deadline(extraMs = 0): AbortSignal {
    return AbortSignal.timeout(this.idle + extraMs);
  }

  /** Turns an SDK or credential failure into one line a person can act on. */
  private async explain(error: unknown, action: string, name?: string): Promise<Error> {
    if (error instanceof WheelGuardError) return error;
    const { endpoint, route } = this.planned;
    const where = `${this.url}${name ?? ''}`;
    const status = (error as { statusCode?: number })?.statusCode;
    const code = (error as { code?: string })?.code ?? (error as { details?: { errorCode?: string } })?.details?.errorCode;
    const errorName = (error as Error)?.name;
    const message = ((error as Error)?.message ?? String(error)).split('\n')[0]!.slice(0, 300);
    const { account, container } = this.address;
    if (errorName === 'CredentialUnavailableError' || errorName === 'AggregateAuthenticationError' || errorName === 'AuthenticationRequiredError') {
      return new ContainerError(`no Azure credentials found for ${this.url}: ${CREDENTIAL_HELP}`, { cause: error });
    }
    if (errorName === 'AuthenticationError') {
      return new ContainerError(`Azure sign-in failed for ${this.url} (DefaultAzureCredential): ${message}; check azure/login or the AZURE_CLIENT_ID/AZURE_TENANT_ID settings`, { cause: error });
    }
    if (code === 'ContainerNotFound') {
      return new ContainerError(`blob container "${container}" not found in storage account "${account}" at ${endpoint}: check the container URL (azure://${account}/CONTAINER/prefix) and the endpoint input, or create the container`);
    }
    // An emulator serves unknown accounts path-style with 404 ResourceNotFound (Azure's own DNS has no such host: see NETWORK below).
    if (code === 'AccountNotFound' || code === 'InvalidAccountName' || code === 'ResourceNotFound') {
      return new ContainerError(`storage account "${account}" not found at ${endpoint} (${code}): check the account name in the container URL and the endpoint input`);
    }
    if (code === 'BlobNotFound' || status === 404) return new NotFoundError(`${where} not found`);
    const detail = `${message} ${(error as { details?: Record<string, unknown> })?.details?.['AuthenticationErrorDetail'] ?? ''}`;
    const authentication = code === 'AuthenticationFailed' || code === 'InvalidAuthenticationInfo' || status === 401 || /failed to authenticate/i.test(message);
    if (authentication || code?.startsWith('Authorization') || status === 403) {
      const serverDate = Date.parse((error as { response?: { headers?: { get(name: string): string | undefined } } })?.response?.headers?.get('date') ?? '');
      const time = this.timeProblem(route, Number.isNaN(serverDate) ? undefined : serverDate, CLOCK.test(detail));
      if (time) return new ContainerError(`${this.url}: refused (${code ?? status}): ${time}`);
      if (authentication) {
        const what =
          route === 'SAS token'
            ? 'the SAS token is not valid for this account and container (made with another key, or changed on the way)'
            : route === 'DefaultAzureCredential'
              ? 'the signed-in identity was refused; check azure/login'
              : `the account key does not belong to account "${account}"; check the account name in the container URL and the key`;
        return new ContainerError(`authentication failed for storage account "${account}" (${route ?? 'credentials'}, ${code ?? status}): ${what}`);
      }
      const needs = action === 'list' || action === 'read' ? 'read and list' : 'read, list, write and delete';
      const fix =
        route === 'SAS token'
          ? `the SAS token must allow ${needs} (sp=rl for collect, sp=rwdl for post-build) on container "${container}"`
          : route === 'DefaultAzureCredential'
            ? `give the identity the "Storage Blob Data ${action === 'list' || action === 'read' ? 'Reader' : 'Contributor'}" role on container "${container}"`
            : 'check the credentials and the firewall rules of the storage account';
      return new ContainerError(`not authorized to ${action} ${where} (${route ?? 'credentials'}, ${code ?? status}): ${fix}`);
    }
    if (code === 'Md5Mismatch' || code === 'Crc64Mismatch' || (status === 400 && /MD5|CRC64/i.test(message))) {
      return new TransferError(`${where}: the store received a damaged block (${code}); sent again`, { cause: error });
    }
    if (errorName === 'AbortError' || errorName === 'TimeoutError' || /aborted|timed out/i.test(message)) {
      return new UnreachableError(`${endpoint} did not answer within ${this.idle / 1000} s for ${where}: check the endpoint input and the network (timeout input: ${this.idle / 1000})`, { cause: error });
    }
    if (isNetworkFailure(error)) {
      return new UnreachableError(`cannot reach ${endpoint} for ${where} (${message}): check the account name, the endpoint input and the network`, { cause: error });
    }
    if (status !== undefined && (status >= 500 || status === 429)) {
      const headers = (error as { response?: { headers?: { get(name: string): string | undefined } } })?.response?.headers;
      const retryAfter = retryAfterMs(headers?.get('retry-after'));
      return Object.assign(new TransferError(`${where}: ${action} answered ${status} ${code ?? ''}`.trim(), { cause: error }), retryAfter ? { retryAfterMs: retryAfter } : {});
    }
    if (/Error parsing|XML|Unexpected end/i.test(message)) {
      return new TransferError(`${where}: ${action}: the answer arrived damaged (${message})`, { cause: error });
    }
    return new ContainerError(`${where}: ${action} failed: ${code ? `${code}: ` : ''}${message}`, { cause: error });
  }

  /**
   * Why a refused request may be a matter of time, or undefined: this
   * machine's clock more than 10 minutes off the service's (its Date header),
   * or a SAS token not yet valid or expired (its st= and se=). `said`: the
   * service itself said so (Azure's AuthenticationErrorDetail).
   */
  private timeProblem(route: Route | undefined, serverDate: number | undefined, said: boolean): string | undefined {
    const now = Date.now();
    if (serverDate !== undefined && Math.abs(serverDate - now) > 10 * 60_000) {
      const minutes = Math.round(Math.abs(serverDate - now) / 60_000);
      return `this machine's clock is ${minutes} minutes ${serverDate > now ? 'behind' : 'ahead of'} the storage service's (${new Date(serverDate).toISOString()}); Azure refuses requests more than 15 minutes off: fix the clock (e.g. enable NTP)`;
    }
    const reference = serverDate ?? now;
    if (route === 'SAS token' || route === 'connection string') {
      const sas = new URLSearchParams(this.planned.sas ?? '');
      const start = Date.parse(sas.get('st') ?? '');
      const expiry = Date.parse(sas.get('se') ?? '');
      if (!Number.isNaN(expiry) && expiry <= reference) return `the SAS token expired at ${new Date(expiry).toISOString()} (its se=); make a new one`;
      if (!Number.isNaN(start) && start > reference) return `the SAS token is valid only from ${new Date(start).toISOString()} (its st=); check this machine's clock, or make a token that starts earlier`;
    }
    if (said) return "the request's time is outside what the service accepts: check this machine's clock, and a SAS token's start (st=) and expiry (se=)";
    return undefined;
  }

  /** Runs one request, turning its failure into an explained error. */
  private async call<T>(action: string, name: string | undefined, request: (client: { sdk: BlobSdk; container: ContainerClient }) => Promise<T>): Promise<T> {
    try {
      return await request(await this.client());
    } catch (error: unknown) {
      throw await this.explain(error, action, name);
    }
  }

  async list(prefix = ''): Promise<Entry[]> {
    const entries: Entry[] = [];
    await this.call('list', undefined, async ({ container }) => {
      const folder = this.address.folder;
      // By hierarchy: only the folder's own blobs, so azure://a/c/1.2 never reaches into 1.2/sub/ or 1.20/.
      // A page that does not answer within the timeout is given up, its request aborted (else its socket holds the process).
      const controller = new AbortController();
      const pages = container.listBlobsByHierarchy('/', { prefix: folder + prefix, abortSignal: controller.signal }).byPage({ maxPageSize: 5000 });
      for (;;) {
        const timer = setTimeout(() => controller.abort(), this.idle);
        const next = await pages.next().finally(() => clearTimeout(timer));
        if (next.done) break;
        const items = next.value.segment.blobItems;
        if (entries.length + items.length > MAX_LISTING_ENTRIES) {
          throw new ContainerError(`${this.url} holds more than ${MAX_LISTING_ENTRIES} files; point the container at the folder of one release`);
        }
        for (const blob of items) {
          const name = blob.name.slice(folder.length);
          if (name !== '' && !name.startsWith('.')) entries.push({ name, size: blob.properties.contentLength ?? 0 });
        }
      }
    });
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(name: string, offset = 0): Promise<Body> {
    const key = this.key(name);
    return this.call('read', name, async ({ container }) => {
      const controller = new AbortController();
      // Until the answer starts; the body's silences are the caller's watchdog's.
      const timer = setTimeout(() => controller.abort(), this.idle);
      try {
        // No retries inside the SDK: a broken body fails, and core/transfer resumes it from where it broke.
        const response = await container.getBlobClient(key).download(offset, undefined, { maxRetryRequests: 0, abortSignal: controller.signal });
        if (offset > 0 && response.contentRange && !response.contentRange.startsWith(`bytes ${offset}-`)) {
          throw new TransferError(`${this.url}${name}: asked for bytes from ${offset}, got ${response.contentRange.slice(0, 60)}`);
        }
        const body = response.readableStreamBody as Readable | undefined;
        if (!body) throw new TransferError(`${this.url}${name}: the store answered without a body`);
        // The SDK's wrapper ends the body once it has the bytes it was told of, and raises an 'error' when the
        // socket under it closes later (the next request on it broke): with nobody left listening, that error
        // would end the process. A reader that is still reading gets its error through its own listener.
        body.on('error', () => undefined);
        return body;
      } finally {
        clearTimeout(timer);
      }
    });
  }

  async write(name: string, body: Readable, options: WriteOptions): Promise<void> {
    try {
      await this.upload(name, options, (whole) => bufferedBlocks(body, BLOCK_SIZE, whole));
    } finally {
      body.destroy();
    }
  }

  /**
   * As `write`, each block streamed from its range of the file (read once
   * first for its MD5, which goes in the request's header): no block is held
   * in memory, and a request the SDK retries opens its range again. 4 x 100 MB
   * wheels at once took 309 MB with blocks in buffers, 190 MB streamed.
   */
  async writeFile(name: string, file: string, options: WriteOptions & { onProgress?: (bytes: number) => void }): Promise<void> {
    const handle = await open(file, 'r');
    let sent = 0;
    // Each range counted as the SDK reads it: progress as it goes, and each chunk let go (heap.ts dropped) once sent.
    const range = (start: number, end: number): Readable => {
      let mine = 0;
      const count = (bytes: number): void => {
        sent += bytes - mine;
        mine = bytes;
        options.onProgress?.(sent);
      };
      return pipeline(createReadStream(file, { start, end: end - 1 }), new CountingStream(count), () => undefined);
    };
    try {
      await this.upload(name, options, (whole) => fileBlocks(handle, range, options.size, BLOCK_SIZE, whole));
    } finally {
      await handle.close();
    }
  }

  /**
   * Up to BLOCK_SIZE: one Put Blob with the body's MD5. Larger: blocks of
   * BLOCK_SIZE, QUEUE_SIZE at once, each with its MD5, under ids unique to
   * this upload, then one Put Block List naming them in order (the blob
   * appears whole or not at all) with the whole MD5 and the sha256.
   */
  private async upload(name: string, options: WriteOptions, blocksOf: (whole: Hash) => AsyncGenerator<Block, void, undefined>, onProgress?: (bytes: number) => void): Promise<void> {
    const key = this.key(name);
    const whole = createHash('md5');
    const headers = { blobContentType: options.contentType ?? 'application/octet-stream' };
    const metadata = { sha256: options.sha256 };
    const blocks = blocksOf(whole);
    let read = 0;
    let sent = 0;
    const first = await blocks.next();
    const firstBlock: Block = first.done ? { length: 0, md5: createHash('md5').digest(), body: Buffer.alloc(0) } : first.value;
    read += firstBlock.length;
    const changed = (): TransferError => new TransferError(`${name}: read ${read} bytes, expected ${options.size}: the file changed while it was uploaded`);
    await this.call('write', name, async ({ container }) => {
      const blob = container.getBlockBlobClient(key);
      const second = firstBlock.length < BLOCK_SIZE ? { done: true as const, value: undefined } : await blocks.next();
      if (second.done) {
        if (read !== options.size) throw changed();
        const single: BlockBlobUploadOptions & { transactionalContentMD5: Uint8Array } = {
          // Content-MD5, which the service checks the body against (the SDK passes it on, though its type omits it), and the blob's stored MD5.
          transactionalContentMD5: firstBlock.md5,
          blobHTTPHeaders: { ...headers, blobContentMD5: firstBlock.md5 },
          metadata,
          abortSignal: this.deadline(transferAllowanceMs(firstBlock.length)),
          onProgress: (progress) => onProgress?.(progress.loadedBytes),
        };
        await blob.upload(firstBlock.body, firstBlock.length, single);
        return;
      }
      const nonce = randomBytes(6).toString('hex');
      const ids: string[] = [];
      const inFlight = new Set<Promise<void>>();
      let failure: unknown;
      const stage = (block: Block): void => {
        const id = Buffer.from(`wg-${nonce}-${String(ids.length).padStart(6, '0')}`).toString('base64');
        ids.push(id);
        const task = blob
          .stageBlock(id, block.body, block.length, { transactionalContentMD5: block.md5, abortSignal: this.deadline(transferAllowanceMs(block.length)) })
          .then(() => {
            sent += block.length;
            onProgress?.(sent);
          })
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      };
      stage(firstBlock);
      read += second.value!.length;
      stage(second.value!);
      for await (const block of { [Symbol.asyncIterator]: () => blocks }) {
        while (inFlight.size >= QUEUE_SIZE && failure === undefined) await Promise.race(inFlight);
        if (failure !== undefined) break;
        read += block.length;
        stage(block);
      }
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      if (read !== options.size) throw changed();
      await blob.commitBlockList(ids, { blobHTTPHeaders: { ...headers, blobContentMD5: whole.digest() }, metadata, abortSignal: this.deadline() });
    });
  }

  /**
   * The blob's size. Not its sha256: the metadata holds what the writer
   * claimed, not what the store computed, so the caller reads the bytes back.
   */
  async stat(name: string): Promise<Entry | undefined> {
    const key = this.key(name);
    try {
      return await this.call('read', name, async ({ container }) => {
        const properties = await container.getBlobClient(key).getProperties({ abortSignal: this.deadline() });
        return { name, size: properties.contentLength ?? 0 };
      });
    } catch (error: unknown) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async remove(name: string): Promise<void> {
    const key = this.key(name);
    await this.call('delete', name, ({ container }) => container.getBlobClient(key).deleteIfExists({ abortSignal: this.deadline() }));
  }
}

/** Time a body of `bytes` may take on a slow line (32 KiB/s), beyond the idle timeout. */
const transferAllowanceMs = (bytes: number): number => Math.ceil(bytes / 32);

/** One block of an upload: its length, its MD5, and its bytes (or a way to stream them, again on each try). */
interface Block {
  length: number;
  md5: Buffer;
  body: Buffer | (() => Readable);
}

/** The bytes of `source` in buffers of exactly `size` (the last one shorter, none for an empty source), each with its MD5; `whole` gets every byte in order. */
async function* bufferedBlocks(source: AsyncIterable<Buffer>, size: number, whole: Hash): AsyncGenerator<Block, void, undefined> {
  let block = Buffer.allocUnsafe(size);
  let filled = 0;
  const done = (bytes: Buffer): Block => {
    whole.update(bytes);
    return { length: bytes.length, md5: createHash('md5').update(bytes).digest(), body: bytes };
  };
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(size - filled, chunk.length - at);
      chunk.copy(block, filled, at, at + n);
      filled += n;
      at += n;
      if (filled === size) {
        yield done(block);
        block = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield done(block.subarray(0, filled));
}

/**
 * The ranges of `file` (`size` bytes) in blocks of `blockSize`, each read
 * once here for its MD5 (and `whole`'s, in order) and sent later as a stream
 * of its range. Ends early, short, if the file shrank.
 */
async function* fileBlocks(handle: FileHandle, range: (start: number, end: number) => Readable, size: number, blockSize: number, whole: Hash): AsyncGenerator<Block, void, undefined> {
  const scratch = Buffer.allocUnsafe(Math.min(blockSize, 1024 * 1024));
  for (let start = 0; start < size; start += blockSize) {
    const end = Math.min(size, start + blockSize);
    const md5 = createHash('md5');
    let at = start;
    while (at < end) {
      const { bytesRead } = await handle.read(scratch, 0, Math.min(scratch.length, end - at), at);
      if (bytesRead === 0) break;
      const bytes = scratch.subarray(0, bytesRead);
      md5.update(bytes);
      whole.update(bytes);
      at += bytesRead;
    }
    const length = at - start;
    if (length > 0) yield { length, md5: md5.digest(), body: () => range(start, start + length) };
    if (at < end) return;
  }
}
