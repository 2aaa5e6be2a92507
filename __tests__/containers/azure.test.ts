/**
 * The Azure container's addresses, credentials and secrets, without a
 * server (the behaviour against Azurite is in __tests__/e2e/azure.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { AzureContainer, azureSecrets, parseAzureUrl, parseConnectionString } from '../../src/containers/azure.js';
import { openContainer } from '../../src/containers/index.js';
import { InputError } from '../../src/core/errors.js';

const KEY = Buffer.alloc(64, 3).toString('base64');

describe('parseAzureUrl', () => {
  it.each([
    ['azure://acct/wheels', { account: 'acct', container: 'wheels', folder: '', display: 'azure://acct/wheels/' }],
    ['azure://acct/wheels/', { account: 'acct', container: 'wheels', folder: '', display: 'azure://acct/wheels/' }],
    ['azure://acct/wheels/nightly/1.2/', { account: 'acct', container: 'wheels', folder: 'nightly/1.2/', display: 'azure://acct/wheels/nightly/1.2/' }],
    ['  azure://acct/wheels//1.2  ', { account: 'acct', container: 'wheels', folder: '1.2/', display: 'azure://acct/wheels/1.2/' }],
    ['azure://acct/$root/x', { account: 'acct', container: '$root', folder: 'x/', display: 'azure://acct/$root/x/' }],
  ])('%s', (url, expected) => {
    expect(parseAzureUrl(url)).toEqual(expected);
  });

  it('reads the https form of every cloud, keeps its origin, and takes its query as a SAS token', () => {
    expect(parseAzureUrl('https://acct.blob.core.windows.net/wheels/1.2')).toEqual({
      account: 'acct',
      container: 'wheels',
      folder: '1.2/',
      endpoint: 'https://acct.blob.core.windows.net',
      display: 'azure://acct/wheels/1.2/',
    });
    expect(parseAzureUrl('https://acct.blob.core.chinacloudapi.cn/wheels/x').endpoint).toBe('https://acct.blob.core.chinacloudapi.cn');
    expect(parseAzureUrl('https://ACCT.blob.core.usgovcloudapi.net/wheels/x').account).toBe('acct');
    const withSas = parseAzureUrl('https://acct.blob.core.windows.net/wheels?sv=2024-01-01&sp=rl&sig=abc%3D');
    expect(withSas.sas).toBe('sv=2024-01-01&sp=rl&sig=abc%3D');
    expect(withSas.display).toBe('azure://acct/wheels/');
  });

  it.each([
    ['azure://Acct/wheels', /"Acct" is not a storage account name/],
    ['azure://ab/wheels', /"ab" is not a storage account name/],
    ['azure://acct', /no container named in azure:\/\/acct/],
    ['azure://acct/Wheels', /"Wheels" is not a blob container name/],
    ['azure://acct/wh--eels', /"wh--eels" is not a blob container name/],
    ['azure://acct/-wheels', /"-wheels" is not a blob container name/],
    ['https://acct.blob.core.windows.net/', /no container named/],
  ])('refuses %s, naming the fix', (url, message) => {
    expect(() => parseAzureUrl(url)).toThrow(InputError);
    expect(() => parseAzureUrl(url)).toThrow(message);
    expect(() => parseAzureUrl(url)).toThrow(/use azure:\/\/ACCOUNT\/CONTAINER\/prefix or https:\/\/ACCOUNT\.blob\.core\.windows\.net\/CONTAINER\/prefix/);
  });

  it('never shows a SAS token or userinfo of an address it refuses', () => {
    for (const url of ['https://acct.blob.core.windows.net/?sig=TOPSECRET', 'https://u:TOPSECRET@acct.blob.core.windows.net/w']) {
      expect(() => openContainer(url)).toThrow(InputError);
      expect(() => openContainer(url)).not.toThrow(/TOPSECRET/);
    }
  });
});

describe('parseConnectionString', () => {
  it('splits on ; and the first =, keys case-insensitive, values whole', () => {
    const parts = parseConnectionString(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`);
    expect(parts.get('accountname')).toBe('acct');
    expect(parts.get('accountkey')).toBe(KEY);
    expect(parseConnectionString('SharedAccessSignature=sv=1&sig=a==;BlobEndpoint=https://x/').get('sharedaccesssignature')).toBe('sv=1&sig=a==');
  });
});

describe('credentials', () => {
  const open = (env: NodeJS.ProcessEnv, url = 'azure://acct/wheels/x', sasToken?: string) => new AzureContainer(parseAzureUrl(url), sasToken ? { sasToken } : {}, env);

  it('refuses a connection string or an AZURE_STORAGE_ACCOUNT for another account when the container is opened', () => {
    expect(() => open({ AZURE_STORAGE_CONNECTION_STRING: `AccountName=other;AccountKey=${KEY}` })).toThrow(
      /azure:\/\/acct\/wheels\/x\/ is in storage account "acct", but AZURE_STORAGE_CONNECTION_STRING is for account "other"/,
    );
    expect(() => open({ AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' })).toThrow(/for account "devstoreaccount1"/);
    expect(() => open({ AZURE_STORAGE_KEY: KEY, AZURE_STORAGE_ACCOUNT: 'other' })).toThrow(/AZURE_STORAGE_ACCOUNT .* is "other"/);
  });

  it('refuses what cannot be a credential, without quoting it', () => {
    expect(() => open({ AZURE_STORAGE_CONNECTION_STRING: 'AccountName=acct;BlobEndpoint=https://x/' })).toThrow(/holds neither AccountKey= nor SharedAccessSignature=/);
    expect(() => open({}, undefined, 'sv=2024&sp=rl')).toThrow(/sas-token: not a SAS token \(it has no sig= part\)/);
    expect(() => open({ AZURE_STORAGE_KEY: 'not a key!' })).toThrow(/AZURE_STORAGE_KEY is not an account key/);
    expect(() => open({ AZURE_STORAGE_KEY: 'not a key!' })).not.toThrow(/not a key!/);
  });

  it('takes them in Azure\'s order: connection string, SAS, key, then a signed-in identity', () => {
    const route = (container: AzureContainer): string => (container as unknown as { planned: { route: string } }).planned.route;
    const sas = 'sv=2024&sp=rl&sig=abc';
    expect(route(open({ AZURE_STORAGE_CONNECTION_STRING: `AccountName=acct;AccountKey=${KEY}`, AZURE_STORAGE_SAS_TOKEN: sas, AZURE_STORAGE_KEY: KEY }))).toBe('connection string');
    expect(route(open({ AZURE_STORAGE_SAS_TOKEN: sas, AZURE_STORAGE_KEY: KEY }))).toBe('SAS token');
    expect(route(open({ AZURE_STORAGE_KEY: KEY }, 'https://acct.blob.core.windows.net/wheels/x?sv=1&sig=q'))).toBe('SAS token');
    expect(route(open({ AZURE_STORAGE_KEY: KEY }))).toBe('account key');
    expect(route(open({}))).toBe('DefaultAzureCredential');
  });
});

describe('azureSecrets', () => {
  it('masks the connection string, its key and SAS, a SAS token and its signature (as written and decoded), and the query of an https address', () => {
    const secrets = azureSecrets(
      { AZURE_STORAGE_CONNECTION_STRING: `AccountName=acct;AccountKey=${KEY};SharedAccessSignature=sv=1&sig=CS%2Bsig`, AZURE_STORAGE_SAS_TOKEN: '?sv=2&sig=ENV%3D' },
      'sv=3&sp=rl&sig=INPUT',
      'https://acct.blob.core.windows.net/w?sv=4&sig=URL%2Fsig',
    );
    for (const secret of [KEY, 'sv=1&sig=CS%2Bsig', 'CS%2Bsig', 'CS+sig', '?sv=2&sig=ENV%3D', 'ENV%3D', 'ENV=', 'sv=3&sp=rl&sig=INPUT', 'INPUT', 'sv=4&sig=URL%2Fsig', 'URL/sig']) {
      expect(secrets).toContain(secret);
    }
    expect(azureSecrets({}, '', 'azure://acct/w')).toEqual([]);
  });
});
