// Builds the core's Bitbucket connection from the stored credential and the API URL setting, reusing it until either changes.
import { type BitbucketConnection, connectBitbucket, type TransportOptions } from '../../core';
import { type CredentialStore, STORED_NAMES } from './credential-store';

export interface ConnectionOptions {
  /** Read at each use: `crosscheck.apiUrl` (application scope, so a workspace cannot redirect the credential). */
  apiUrl(): string;
  transport: TransportOptions;
}

export class ConnectionProvider {
  private cached?: {
    apiUrl: string;
    generation: number;
    connection: Promise<BitbucketConnection | undefined>;
  };
  private generation = 0;

  constructor(
    private readonly store: CredentialStore,
    private readonly options: ConnectionOptions,
  ) {}

  /** The connection, or undefined when signed out; throws the core's CredentialError when the stored values cannot work. */
  async connection(): Promise<BitbucketConnection | undefined> {
    const apiUrl = this.options.apiUrl();
    if (!this.cached || this.cached.apiUrl !== apiUrl || this.cached.generation !== this.generation) {
      const generation = this.generation;
      const connection = this.store.read().then((sources) =>
        sources
          ? connectBitbucket({
              credentials: sources,
              names: STORED_NAMES,
              apiUrl,
              transport: this.options.transport,
            })
          : undefined,
      );
      this.cached = { apiUrl, generation, connection };
      // A failed read is not kept: the next call tries again.
      connection.catch(() => {
        if (this.cached?.connection === connection) this.cached = undefined;
      });
    }
    return this.cached.connection;
  }

  /** The stored credential changed (sign-in, sign-out, another window). */
  invalidate(): void {
    this.generation++;
  }
}
