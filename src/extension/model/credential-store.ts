// The Bitbucket credential kept in the editor's SecretStorage: which keys hold it, reading, saving, forgetting.
import type { Credential, CredentialSources, SourceNames } from '../../core';

/** The subset of vscode.SecretStorage used here (an in-memory map in tests). */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** Every secret Crosscheck stores; sign-out deletes them all. */
export const SECRET_KEYS = {
  email: 'crosscheck.bitbucket.email',
  apiToken: 'crosscheck.bitbucket.apiToken',
  accessToken: 'crosscheck.bitbucket.accessToken',
} as const;

/** How stored values are called in messages about them (the core names environment variables by default). */
export const STORED_NAMES: SourceNames = {
  email: 'the stored email',
  apiToken: 'the stored API token',
  accessToken: 'the stored access token',
  oauthClientId: 'the stored OAuth key',
  oauthClientSecret: 'the stored OAuth secret',
  username: 'the stored user name',
  appPassword: 'the stored app password',
};

/** How values typed into the sign-in boxes are called in messages about them. */
export const SIGN_IN_NAMES: SourceNames = {
  email: 'the Atlassian account email',
  apiToken: 'the API token',
  accessToken: 'the access token',
  oauthClientId: 'the OAuth key',
  oauthClientSecret: 'the OAuth secret',
  username: 'the user name',
  appPassword: 'the app password',
};

export class CredentialStore {
  constructor(private readonly secrets: SecretStore) {}

  /** The stored values, or undefined when nothing is stored (signed out). */
  async read(): Promise<CredentialSources | undefined> {
    const [email, apiToken, accessToken] = await Promise.all([
      this.secrets.get(SECRET_KEYS.email),
      this.secrets.get(SECRET_KEYS.apiToken),
      this.secrets.get(SECRET_KEYS.accessToken),
    ]);
    if (!apiToken && !accessToken) return undefined;
    return { email, apiToken, accessToken };
  }

  /** Stores exactly what the credential needs and deletes anything stored before. */
  async save(credential: Credential): Promise<void> {
    switch (credential.kind) {
      case 'api-token':
        await this.secrets.delete(SECRET_KEYS.accessToken);
        await this.secrets.store(SECRET_KEYS.email, credential.email);
        await this.secrets.store(SECRET_KEYS.apiToken, credential.token);
        return;
      case 'access-token':
        await this.secrets.delete(SECRET_KEYS.email);
        await this.secrets.delete(SECRET_KEYS.apiToken);
        await this.secrets.store(SECRET_KEYS.accessToken, credential.token);
        return;
      case 'oauth-client':
        throw new Error('OAuth consumers are not stored by the extension.');
    }
  }

  async clear(): Promise<void> {
    for (const key of Object.values(SECRET_KEYS)) await this.secrets.delete(key);
  }
}
