/** The one factory: a container URL in, a container out, or a clear error. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.js';
import type { Container } from './container.js';
import { type ArtifactSettings, openArtifactContainer } from './artifact.js';
import { type AzureSettings, AzureContainer, isAzureBlobHost, parseAzureUrl } from './azure.js';
import { HttpContainer, type HttpSettings } from './http.js';
import { LocalContainer } from './local.js';
import { parseS3Url, S3Container, type S3Settings } from './s3.js';

/** The schemes this build can open, for error messages and docs. */
export const SUPPORTED_CONTAINERS = ['a local directory path', 'file:///absolute/path', 's3://bucket/prefix', 'azure://account/container/prefix', 'artifact://NAME', 'https://… (read-only: collect)'] as const;

/** The host of an http(s) address, without userinfo or port (the address need not parse as a URL). */
const HOST = /^https?:\/\/(?:[^/?#@]*@)?([^/?#@:]+)/i;

/** Settings some containers take from inputs. */
export interface ContainerSettings {
  s3?: S3Settings;
  azure?: AzureSettings;
  artifact?: ArtifactSettings;
  http?: HttpSettings;
}

/**
 * Opens the container a URL names. Relative paths resolve against `cwd`.
 * Throws InputError for an empty value or a scheme this build does not support.
 */
export function openContainer(url: string, cwd: string = process.cwd(), settings: ContainerSettings = {}): Container {
  const value = url.trim();
  if (value === '') throw new InputError('container: empty; give a directory path or a file:// URL');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return new LocalContainer(value, resolve(cwd, value));
  if (scheme === 'file') {
    let dir: string;
    try {
      dir = fileURLToPath(value);
    } catch (error: unknown) {
      const example = process.platform === 'win32' ? 'file:///C:/absolute/path (or a plain path)' : 'file:///absolute/path';
      throw new InputError(`container: ${value} is not a valid file:// URL (${(error as Error).message}); use ${example}`);
    }
    return new LocalContainer(value, dir);
  }
  if (scheme === 'artifact') return openArtifactContainer(value, settings.artifact ?? {});
  if (scheme === 's3') {
    const { bucket, folder } = parseS3Url(value);
    return new S3Container(`s3://${bucket}/${folder}`, bucket, folder, settings.s3 ?? {});
  }
  if (scheme === 'azure') return new AzureContainer(parseAzureUrl(value), settings.azure ?? {});
  const supported = `supported: ${SUPPORTED_CONTAINERS.join(', ')}`;
  if (scheme === 'https' || scheme === 'http') {
    // An Azure Blob address is Azure's to open (with its credentials), not a web listing's.
    if (isAzureBlobHost(HOST.exec(value)?.[1] ?? '')) return new AzureContainer(parseAzureUrl(value), settings.azure ?? {});
    return new HttpContainer(value, settings.http ?? {});
  }
  throw new InputError(`container: unknown scheme "${scheme}://" in ${value}; ${supported}`);
}
