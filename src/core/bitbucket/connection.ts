// Wires a credential, the shared HTTP client and the Bitbucket diagnoser into a ready BitbucketApi.
import { createAuthProvider } from '../auth';
import {
  type Credential,
  credentialSecrets,
  type CredentialSources,
  resolveCredential,
  type SourceNames,
} from '../credentials';
import { HttpClient, type HttpClientOptions } from '../http/client';
import { BitbucketApi } from './api';
import { createBitbucketDiagnoser } from './diagnosis';

import { DEFAULT_API_URL } from './api-url';

export { DEFAULT_API_URL };
export const DEFAULT_OAUTH_TOKEN_URL = 'https://bitbucket.org/site/oauth2/access_token';

/** Transport settings an adapter may pass through: fetch, timeouts, retries, proxy, event sink, clocks. */
export type TransportOptions = Omit<HttpClientOptions, 'baseUrl' | 'auth' | 'diagnose'>;

export interface BitbucketConnectionOptions {
  credentials: CredentialSources;
  names?: SourceNames;
  apiUrl?: string;
  oauthTokenUrl?: string;
  transport: TransportOptions;
  /** Told about each secret obtained at run time (OAuth access tokens), e.g. to mask it in CI logs. */
  onSecret?: (secret: string) => void;
}

export interface BitbucketConnection {
  api: BitbucketApi;
  http: HttpClient;
  credential: Credential;
  /** Decisions taken about the credentials (which one was used, tokens found in another variable). */
  notices: string[];
}

/** Resolves the credential (throwing a CredentialError before any request) and builds the client around it. */
export function connectBitbucket(options: BitbucketConnectionOptions): BitbucketConnection {
  const { credential, notices } = resolveCredential(options.credentials, options.names);
  const apiUrl = options.apiUrl ?? DEFAULT_API_URL;
  const diagnose = createBitbucketDiagnoser(credential);
  const tokenClient = new HttpClient({
    ...options.transport,
    baseUrl: apiUrl,
    service: 'Bitbucket',
    diagnose,
    secrets: credentialSecrets(credential),
  });
  const auth = createAuthProvider(credential, {
    tokenClient,
    tokenUrl: options.oauthTokenUrl ?? DEFAULT_OAUTH_TOKEN_URL,
    now: options.transport.now,
    onSecret: options.onSecret,
  });
  const http = new HttpClient({
    ...options.transport,
    baseUrl: apiUrl,
    service: 'Bitbucket',
    auth,
    diagnose,
  });
  return { api: new BitbucketApi(http), http, credential, notices };
}
