// Wires a SonarQube token, the shared HTTP client and the Sonar diagnoser into a ready SonarApi.
import type { TransportOptions } from '../bitbucket/connection';
import { CredentialError } from '../errors';
import { type AuthProvider, HttpClient } from '../http/client';
import { SonarApi } from './api';
import { diagnoseSonar, SONAR_TOKEN_HELP } from './diagnosis';

export interface SonarConnectionOptions {
  /** The server's base URL, e.g. https://sonar.example.com (a context path is kept). */
  hostUrl: string;
  token: string | undefined;
  transport: TransportOptions;
}

export interface SonarConnection {
  api: SonarApi;
  http: HttpClient;
  hostUrl: string;
}

/** The token goes as HTTP Basic `<token>:` (every SonarQube version and SonarQube Cloud accept it). */
class SonarTokenAuth implements AuthProvider {
  readonly secrets: readonly string[];

  constructor(private readonly token: string) {
    this.secrets = [token];
  }

  async authorization(): Promise<string> {
    return `Basic ${Buffer.from(`${this.token}:`).toString('base64')}`;
  }
}

/** Checks the token (throwing a CredentialError before any request) and builds the client around it. */
export function connectSonar(options: SonarConnectionOptions): SonarConnection {
  const token = options.token?.trim();
  if (!token) throw new CredentialError('SONAR_TOKEN is not set.', SONAR_TOKEN_HELP);
  if (/\s/.test(token)) {
    throw new CredentialError(
      'SONAR_TOKEN contains white space, so it is not a whole token.',
      'Copy the token again, in one piece.',
    );
  }
  const hostUrl = options.hostUrl.replace(/\/+$/, '');
  const http = new HttpClient({
    ...options.transport,
    // Paths are relative, so a context path (https://host/sonar) is kept.
    baseUrl: hostUrl,
    service: 'SonarQube',
    auth: new SonarTokenAuth(token),
    diagnose: diagnoseSonar,
    secrets: [...(options.transport.secrets ?? []), token, Buffer.from(`${token}:`).toString('base64')],
  });
  return { api: new SonarApi(http), http, hostUrl };
}
