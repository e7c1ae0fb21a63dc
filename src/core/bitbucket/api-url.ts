// Whether a URL is Bitbucket Cloud's REST API (…/2.0): a Data Center URL or one without /2.0 is named as such.
import { InputError } from '../errors';
import { parseApiUrl } from '../validation';

/** Bitbucket Cloud's REST API, the default API URL. */
export const DEFAULT_API_URL = 'https://api.bitbucket.org/2.0';

/** What is wrong with a URL meant as (or sent to) Bitbucket Cloud's API, in words with the fix; undefined if nothing. */
export function bitbucketApiUrlProblem(url: string): { problem: string; fix: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  if (/\/rest\/(api|build-status|insights)\//i.test(`${path}/`)) {
    return {
      problem: `${parsed.origin}${path} is a Bitbucket Data Center (Server) REST URL (/rest/api/1.0, /rest/api/latest); Crosscheck supports Bitbucket Cloud, whose API is ${DEFAULT_API_URL}`,
      fix: `Use Bitbucket Cloud's API URL, ${DEFAULT_API_URL} (the default: leave the setting unset). Bitbucket Data Center has another API that Crosscheck does not speak.`,
    };
  }
  if (!/(^|\/)2\.0(\/|$)/.test(path)) {
    return {
      problem: `the API URL ${parsed.origin}${path || '/'} lacks /2.0, the version Bitbucket Cloud's REST API is served under`,
      fix: `End the API URL with /2.0: ${DEFAULT_API_URL}, or a stand-in's base such as http://127.0.0.1:7990/2.0.`,
    };
  }
  return undefined;
}

/**
 * An API URL setting checked as parseApiUrl does, then refused before anything is sent when it is surely not
 * Bitbucket Cloud's API: a Data Center URL anywhere, or bitbucket.org without /2.0. Other hosts without /2.0 may be
 * a proxy that adds it, so they pass (a 404 from them is diagnosed with the same words).
 */
export function parseBitbucketApiUrl(value: string, option: string, fix: string): string {
  const url = parseApiUrl(value, option, { fix });
  const problem = bitbucketApiUrlProblem(url);
  const host = new URL(url).hostname;
  if (problem && (/\/rest\//i.test(new URL(url).pathname) || /(^|\.)bitbucket\.org$/i.test(host)))
    throw new InputError(`${option}: ${problem.problem}.`, problem.fix);
  return url;
}
