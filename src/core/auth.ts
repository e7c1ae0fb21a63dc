// Turns a resolved credential into Authorization headers: Basic for API tokens, Bearer for access and OAuth tokens.
import { type Credential, credentialSecrets } from './credentials';
import { SHAPES } from './bitbucket/shapes';
import type { AuthProvider, HttpClient } from './http/client';

/** Fixed header for API tokens and access tokens. */
class StaticAuth implements AuthProvider {
  constructor(
    private readonly header: string,
    readonly secrets: readonly string[],
  ) {}

  async authorization(): Promise<string> {
    return this.header;
  }
}

/** OAuth consumer: client-credentials grant, the access token cached until a minute before it expires. */
class OAuthClientCredentialsAuth implements AuthProvider {
  private token?: { value: string; expiresAt: number };
  private pending?: Promise<string>;
  private readonly known: string[];

  constructor(
    private readonly credential: Extract<Credential, { kind: 'oauth-client' }>,
    private readonly tokenClient: HttpClient,
    private readonly tokenUrl: string,
    private readonly now: () => number,
    private readonly onSecret?: (secret: string) => void,
  ) {
    this.known = [credential.clientSecret];
  }

  get secrets(): readonly string[] {
    return this.known;
  }

  async authorization(): Promise<string> {
    if (this.token && this.token.expiresAt > this.now()) return `Bearer ${this.token.value}`;
    this.pending ??= this.grant().finally(() => (this.pending = undefined));
    return `Bearer ${await this.pending}`;
  }

  private async grant(): Promise<string> {
    const basic = Buffer.from(`${this.credential.clientId}:${this.credential.clientSecret}`).toString(
      'base64',
    );
    // The answer goes through the client's one mapping: a page without access_token is a diagnosed ApiError.
    const response = await this.tokenClient.request(
      {
        method: 'POST',
        path: this.tokenUrl,
        allowOtherOrigin: true,
        idempotent: true,
        auth: { authorization: `Basic ${basic}` },
        form: { grant_type: 'client_credentials' },
        resource: 'the OAuth token endpoint',
      },
      SHAPES.tokenGrant,
    );
    const value = response.body.access_token;
    this.known.push(value);
    this.onSecret?.(value);
    const lifetime = (response.body.expires_in ?? 3600) * 1000;
    this.token = { value, expiresAt: this.now() + Math.max(0, lifetime - 60_000) };
    return value;
  }
}

export interface AuthDependencies {
  /** A client without auth, used for the OAuth token grant. */
  tokenClient: HttpClient;
  tokenUrl: string;
  now?: () => number;
  /** Told about each secret obtained at run time (e.g. to mask it in CI logs). */
  onSecret?: (secret: string) => void;
}

export function createAuthProvider(credential: Credential, deps: AuthDependencies): AuthProvider {
  switch (credential.kind) {
    case 'api-token': {
      const basic = Buffer.from(`${credential.email}:${credential.token}`).toString('base64');
      return new StaticAuth(`Basic ${basic}`, credentialSecrets(credential));
    }
    case 'access-token':
      return new StaticAuth(`Bearer ${credential.token}`, credentialSecrets(credential));
    case 'oauth-client':
      return new OAuthClientCredentialsAuth(
        credential,
        deps.tokenClient,
        deps.tokenUrl,
        deps.now ?? Date.now,
        deps.onSecret,
      );
  }
}
