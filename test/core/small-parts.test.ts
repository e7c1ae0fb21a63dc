// Proxy selection, backoff, rate-limit headers and input validation: the small pure rules the client relies on.
import assert from 'node:assert/strict';
import { printable, printableJson } from '../../src/core/display-text';
import { InputError } from '../../src/core/errors';
import {
  backoffDelay,
  isRetryableNetworkError,
  isRetryableStatus,
  retryAfterMs,
} from '../../src/core/http/backoff';
import { proxyFor } from '../../src/core/http/proxy';
import { readRateLimit, RequestTally } from '../../src/core/http/rate-limit';
import {
  parseCommit,
  parseApiUrl,
  parseHttpUrl,
  parseKey,
  parseRepository,
  parseState,
  shorten,
} from '../../src/core/validation';

describe('printable', () => {
  it('spells out C0, DEL, C1 and bidi controls, keeping line breaks only when asked', () => {
    assert.equal(printable('a\u001b]0;x\u0007b'), 'a\\x1b]0;x\\x07b');
    assert.equal(printable('\u009b31m\u007f\u202e'), '\\x9b31m\\x7f\\u202e');
    assert.equal(printable('one\ntwo'), 'one\\x0atwo');
    assert.equal(printable('one\ntwo\tthree', { multiline: true }), 'one\ntwo\tthree');
    assert.equal(printable('plain ✓ text'), 'plain ✓ text');
  });
  it('escapes in JSON what JSON.stringify leaves raw', () => {
    const json = printableJson(JSON.stringify({ name: '\u001b\u009b\u202e' }));
    assert.equal(json, '{"name":"\\u001b\\u009b\\u202e"}');
    assert.deepEqual(JSON.parse(json), { name: '\u001b\u009b\u202e' });
  });
});

describe('proxyFor', () => {
  const settings = { httpsProxy: 'http://proxy:3128', noProxy: 'localhost,.internal.example, 10.0.0.1:8443' };
  it('uses the proxy for other hosts', () => {
    assert.equal(proxyFor(new URL('https://api.bitbucket.org/2.0'), settings), 'http://proxy:3128');
  });
  it('bypasses hosts, domain suffixes and host:port entries in NO_PROXY', () => {
    assert.equal(
      proxyFor(new URL('http://localhost:8080'), { ...settings, httpProxy: 'http://p:1' }),
      undefined,
    );
    assert.equal(proxyFor(new URL('https://git.internal.example'), settings), undefined);
    assert.equal(proxyFor(new URL('https://10.0.0.1:8443'), settings), undefined);
    assert.equal(proxyFor(new URL('https://10.0.0.1:9443'), settings), 'http://proxy:3128');
  });
  it('bypasses everything with *', () => {
    assert.equal(proxyFor(new URL('https://api.bitbucket.org'), { ...settings, noProxy: '*' }), undefined);
  });
});

describe('backoff', () => {
  const options = { retries: 4, baseDelayMs: 1000, maxDelayMs: 8000 };
  it('grows exponentially with jitter between half and all of the step, capped', () => {
    assert.equal(
      backoffDelay(0, options, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(0, options, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(2, options, () => 1),
      4000,
    );
    assert.equal(
      backoffDelay(6, options, () => 1),
      8000,
    );
  });
  it('reads Retry-After in seconds or as a date', () => {
    assert.equal(retryAfterMs('3', 0), 3000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(retryAfterMs(undefined, 0), undefined);
    assert.equal(retryAfterMs('soon', 0), undefined);
  });
  it('retries a non-idempotent request only when it certainly was not processed', () => {
    assert.ok(isRetryableStatus(502, true));
    assert.ok(!isRetryableStatus(502, false));
    assert.ok(isRetryableStatus(429, false));
    assert.ok(
      !isRetryableStatus(400, true) && !isRetryableStatus(401, true) && !isRetryableStatus(404, true),
    );
    assert.ok(isRetryableNetworkError('ECONNRESET', true));
    assert.ok(!isRetryableNetworkError('ECONNRESET', false));
    assert.ok(isRetryableNetworkError('ECONNREFUSED', false));
  });
});

describe('validation', () => {
  const refused = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (error: unknown) => error instanceof InputError && pattern.test(error.message));

  it('parses workspace/repo', () => {
    assert.deepEqual(parseRepository('acme/web-app'), { workspace: 'acme', slug: 'web-app' });
    refused(() => parseRepository('acme'), /not of the form/);
    refused(() => parseRepository('https://bitbucket.org/acme/web-app'), /not of the form/);
    refused(() => parseRepository(undefined), /required/);
    for (const dots of ['acme/..', '../web-app', 'acme/.', './.', '.../x'])
      refused(() => parseRepository(dots), /made only of dots/);
    assert.deepEqual(parseRepository('acme/web.app-2_x'), { workspace: 'acme', slug: 'web.app-2_x' });
  });
  it('takes API base URLs only as https (http to this machine), without credentials, query or fragment', () => {
    assert.equal(parseApiUrl('https://api.bitbucket.org/2.0/', 'X'), 'https://api.bitbucket.org/2.0');
    assert.equal(parseApiUrl('http://127.0.0.1:8080/2.0', 'X'), 'http://127.0.0.1:8080/2.0');
    assert.equal(parseApiUrl('http://[::1]:8080', 'X'), 'http://[::1]:8080');
    assert.equal(
      parseApiUrl('http://sonar.internal:9000', 'X', { allowPlainHttp: true }),
      'http://sonar.internal:9000',
    );
    refused(() => parseApiUrl('http://api.example.com', 'X'), /plain http to another machine/);
    refused(() => parseApiUrl('javascript:alert(1)', 'X'), /not an http\(s\) URL/);
    refused(() => parseApiUrl('::', 'X'), /not a URL/);
    refused(() => parseApiUrl('https://u:p@api.example.com', 'X'), /user name or password/);
    refused(() => parseApiUrl('https://api.example.com/2.0?', 'X'), /query or fragment/);
    refused(() => parseApiUrl('https://api.example.com/2.0#', 'X'), /query or fragment/);
  });
  it('refuses keys with control characters', () => {
    refused(() => parseKey('so\u001b[2Jnar'), /control characters/);
    refused(() => parseKey('so\nnar'), /control characters/);
  });
  it('wants a full commit hash', () => {
    assert.equal(parseCommit('A'.repeat(40)), 'a'.repeat(40));
    refused(() => parseCommit('abc1234'), /looks abbreviated/);
    refused(() => parseCommit('z'.repeat(40)), /not a full/);
  });
  it('limits keys to 40 characters', () => {
    assert.equal(parseKey('k'.repeat(40)), 'k'.repeat(40));
    refused(() => parseKey('k'.repeat(41)), /41 characters/);
  });
  it('accepts states case-insensitively with aliases', () => {
    assert.equal(parseState('passed'), 'SUCCESSFUL');
    assert.equal(parseState('Failure'), 'FAILED');
    assert.equal(parseState('pending'), 'INPROGRESS');
    assert.equal(parseState('running'), 'INPROGRESS');
    assert.equal(parseState('cancelled'), 'STOPPED');
    refused(() => parseState('DONE'), /not a build state/);
  });
  it('wants an http(s) URL without credentials', () => {
    assert.equal(parseHttpUrl('https://ci.example.com/b/1'), 'https://ci.example.com/b/1');
    refused(() => parseHttpUrl('ftp://x'), /not an http/);
    refused(() => parseHttpUrl('https://user:pw@x.example'), /user name or password/);
    refused(() => parseHttpUrl('not a url'), /not a URL/);
  });
  it('shortens long text with an ellipsis', () => {
    assert.deepEqual(shorten('abcdef', 4), { text: 'abc…', shortened: true });
    assert.deepEqual(shorten('abc', 4), { text: 'abc', shortened: false });
  });
});

describe('readRateLimit and RequestTally', () => {
  const headers = (values: Record<string, string>) => new Headers(values);
  it('reads Bitbucket’s three headers, and nothing when none is sent', () => {
    assert.deepEqual(
      readRateLimit(
        headers({
          'X-RateLimit-Limit': '2500',
          'X-RateLimit-Resource': 'api',
          'X-RateLimit-NearLimit': 'True',
        }),
      ),
      { limit: 2500, resource: 'api', nearLimit: true },
    );
    assert.equal(readRateLimit(headers({ 'Content-Type': 'application/json' })), undefined);
  });
  it('believes no limit that is not a plain, sane number, and no NearLimit but "true"', () => {
    for (const value of ['-1', '1e3', '12abc', '99999999999', ''])
      assert.equal(readRateLimit(headers({ 'X-RateLimit-Limit': value }))?.limit, undefined, value);
    assert.equal(readRateLimit(headers({ 'X-RateLimit-NearLimit': 'yes' }))?.nearLimit, false);
  });
  it('counts every attempt and 429, and calls back once when near the limit', () => {
    const warnings: number[] = [];
    const tally = new RequestTally((info) => warnings.push(info.limit ?? 0));
    const near = { limit: 10, resource: 'api', nearLimit: true };
    const response = (status: number, rateLimit?: typeof near) =>
      ({ type: 'response', method: 'GET', url: 'u', status, ms: 1, rateLimit }) as const;
    for (let attempt = 1; attempt <= 3; attempt++)
      tally.observe({ type: 'request', method: 'GET', url: 'u', attempt });
    tally.observe(response(200, near));
    tally.observe(response(429, near));
    tally.observe(response(200));
    assert.equal(tally.sent, 3);
    assert.equal(tally.rateLimited, 1);
    assert.deepEqual(warnings, [10]);
    assert.deepEqual(tally.latest, near);
  });
});
