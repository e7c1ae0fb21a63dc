// Failures told in the extension's words: its settings and commands, not the CLI's environment variables and flags.
import { API_TOKEN_HELP, ApiError, type CrosscheckError, NetworkError } from '../../core';

/** Where the proxy the extension uses comes from: VS Code's `http.proxy` setting, the environment, or none. */
export interface ProxyInEffect {
  source: 'setting' | 'environment' | 'none';
  /** host:port, never with credentials. */
  host?: string;
}

/** What a message needs to know of the extension's settings. */
export interface MessageSettings {
  proxy?: ProxyInEffect;
}

/** The core's API token help ends with environment variables; the extension stores what the user types at sign-in. */
export const EXTENSION_API_TOKEN_HELP = API_TOKEN_HELP.replace(
  /, then set ATLASSIAN_ACCOUNT_EMAIL.*$/,
  ', then run Crosscheck: Sign In to Bitbucket and give your Atlassian account email and the token.',
);

/** Replaces the CLI's advice the core wrote into a message or hint with the extension's own. */
export function forExtension(text: string): string;
export function forExtension(text: string | undefined): string | undefined;
export function forExtension(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text
    .replace(API_TOKEN_HELP, EXTENSION_API_TOKEN_HELP)
    .replace(
      /\bset (?:ATLASSIAN_ACCOUNT_EMAIL|BITBUCKET_API_TOKEN|BITBUCKET_ACCESS_TOKEN)\b[^.]*\./g,
      'run Crosscheck: Sign In to Bitbucket.',
    );
}

/** Where the proxy is configured, in words, for a network failure's hint. */
export function proxyAdvice(proxy: ProxyInEffect | undefined): string {
  switch (proxy?.source) {
    case 'setting':
      return `Check the proxy in the http.proxy setting${proxy.host ? ` (${proxy.host})` : ''} and the hosts in http.noProxy, then Refresh.`;
    case 'environment':
      return `Check the proxy VS Code was started with${proxy.host ? ` (${proxy.host}, from HTTPS_PROXY)` : ' (HTTPS_PROXY)'}, or set http.proxy instead; then Refresh.`;
    default:
      return 'Check your network connection; if you need a proxy, set it in the http.proxy setting. Then Refresh.';
  }
}

/**
 * A core error as the extension shows it. A rate limit says that Crosscheck retries on its own (the views add when),
 * not how to split a pipeline; a network failure names the proxy setting actually in effect.
 */
export function describeFailure(
  error: CrosscheckError,
  settings: MessageSettings,
): { message: string; hint?: string } {
  const message = forExtension(error.message);
  if (error instanceof ApiError && error.status === 429) {
    return {
      message,
      hint:
        'Crosscheck polls again on its own once the budget allows, and slower until then; every window and tool ' +
        'using this account shares the budget.',
    };
  }
  if (error instanceof NetworkError) return { message, hint: proxyAdvice(settings.proxy) };
  return { message, hint: forExtension(error.hint) };
}

/**
 * Joins sentences with one period and space between them: a part that already ends with `.`, `!`, `?` or `…` gets
 * none added (no "acme/x.. Click"), and empty parts are left out.
 */
export function sentences(...parts: ReadonlyArray<string | undefined>): string {
  return parts
    .map((part) => part?.trim() ?? '')
    .filter((part) => part.length > 0)
    .map((part) => (/[.!?…:]$/.test(part) ? part : `${part}.`))
    .join(' ');
}
