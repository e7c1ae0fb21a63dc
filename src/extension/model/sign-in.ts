// Checks a credential typed at sign-in with the core's doctor, and decides whether it may be stored.
import {
  connectBitbucket,
  type TransportOptions,
  type Credential,
  type CredentialSources,
  type DoctorReport,
  runDoctor,
  type RepositoryRef,
} from '../../core';
import { SIGN_IN_NAMES } from './credential-store';

/** What the user typed (or a test passed to the sign-in command). */
export type SignInInput =
  { kind: 'api-token'; email: string; token: string } | { kind: 'access-token'; token: string };

/** Accepts only well-formed sign-in arguments, so a command called with anything else falls back to asking. */
export function isSignInInput(value: unknown): value is SignInInput {
  if (typeof value !== 'object' || value === null) return false;
  const input = value as Record<string, unknown>;
  if (input.kind === 'api-token') return typeof input.email === 'string' && typeof input.token === 'string';
  if (input.kind === 'access-token') return typeof input.token === 'string';
  return false;
}

export function credentialSourcesOf(input: SignInInput): CredentialSources {
  return input.kind === 'api-token'
    ? { email: input.email, apiToken: input.token }
    : { accessToken: input.token };
}

export type SignInVerdict =
  | { kind: 'accepted'; summary: string; warnings: string[] }
  | { kind: 'rejected'; message: string; fix?: string; identityOk: boolean };

export interface VerifiedCredential {
  credential: Credential;
  report: DoctorReport;
  verdict: SignInVerdict;
}

export interface VerifyOptions {
  apiUrl: string;
  transport: TransportOptions;
  /** The repository to probe (the current one; none in Restricted Mode). */
  repo?: RepositoryRef;
  onProgress?: (step: string) => void;
}

/** Resolves the credential (a CredentialError before any request when it cannot work), then runs the doctor. */
export async function verifyCredential(
  input: SignInInput,
  options: VerifyOptions,
): Promise<VerifiedCredential> {
  const connection = connectBitbucket({
    credentials: credentialSourcesOf(input),
    names: SIGN_IN_NAMES,
    apiUrl: options.apiUrl,
    transport: options.transport,
  });
  const report = await runDoctor(connection, options.repo, options.onProgress);
  return { credential: connection.credential, report, verdict: signInVerdict(report) };
}

/** Accepted when no check failed; otherwise the first failure, in words, with its fix. */
export function signInVerdict(report: DoctorReport): SignInVerdict {
  const identity = report.checks.find((check) => check.name === 'identity');
  const failed = report.checks.find((check) => check.outcome === 'failed');
  if (failed) {
    return {
      kind: 'rejected',
      message: failed.name === 'identity' ? failed.detail : `${failed.name}: ${failed.detail}`,
      fix: failed.fix,
      identityOk: identity?.outcome === 'ok',
    };
  }
  const warnings = [
    ...report.notices,
    ...report.checks
      .filter((check) => check.outcome === 'warning')
      .map((check) => `${check.name}: ${check.detail}${check.fix ? ` ${check.fix}` : ''}`),
  ];
  const who = identity?.outcome === 'ok' ? identity.detail : report.tokenType;
  return { kind: 'accepted', summary: `Signed in to Bitbucket: ${who}.`, warnings };
}
