// The shared HTTP client over real loopback HTTP: retries, Retry-After, timeouts, redaction, origins, OAuth caching.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connectBitbucket } from '../../src/core/bitbucket/connection';
import { ApiError, NetworkError } from '../../src/core/errors';
import { HttpClient, type HttpEvent } from '../../src/core/http/client';
import { diagnoseBitbucket } from '../../src/core/bitbucket/diagnosis';
import { SHAPES } from '../../src/core/bitbucket/shapes';
import {
  type Handler,
  hang,
  json,
  LOGIN_PAGE,
  rateLimited,
  reset,
  scriptedServer,
  text,
} from '../support/loopback-server';

function client(
  baseUrl: string,
  events: HttpEvent[] = [],
  extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {},
) {
  const sleeps: number[] = [];
  const http = new HttpClient({
    baseUrl: `${baseUrl}/2.0`,
    service: 'Bitbucket',
    userAgent: 'crosscheck/test',
    auth: {
      authorization: async () => 'Bearer ATCTT3xFfGF0secretvalue',
      secrets: ['ATCTT3xFfGF0secretvalue'],
    },
    diagnose: (failure) =>
      diagnoseBitbucket(failure, { kind: 'access-token', token: 'ATCTT3xFfGF0secretvalue', source: 'TEST' }),
    retry: { retries: 4, baseDelayMs: 10, maxDelayMs: 40 },
    onEvent: (event) => events.push(event),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { http, sleeps };
}

describe('HttpClient', () => {
  it('retries 429 (no Retry-After), 502 and a reset, then succeeds with one request written', async () => {
    const server = await scriptedServer([rateLimited, json(502, {}), reset, json(201, { key: 'sonar' })]);
    const events: HttpEvent[] = [];
    try {
      const { http, sleeps } = client(server.url, events);
      const response = await http.request<{ key: string }>({
        method: 'POST',
        path: '/x',
        json: { key: 'sonar' },
        idempotent: true,
      });
      assert.equal(response.body.key, 'sonar');
      assert.equal(server.seen.length, 4);
      assert.equal(sleeps.length, 3);
      const [first = NaN, second = NaN, third = NaN] = sleeps;
      assert.ok(second > first && third > second, `backoff grows: ${sleeps.join(', ')}`);
      const reasons = events
        .filter((event) => event.type === 'retry')
        .map((event) => (event as { reason: string }).reason);
      assert.deepEqual(reasons, ['rate limited (429)', 'server answered 502', 'the connection was reset']);
      assert.equal(server.seen[0]?.headers['user-agent'], 'crosscheck/test');
    } finally {
      await server.close();
    }
  });

  it('honours Retry-After when the server sends it', async () => {
    const server = await scriptedServer([json(503, {}, { 'Retry-After': '2' }), json(200, {})]);
    try {
      const { http, sleeps } = client(server.url);
      await http.request({ method: 'GET', path: '/x' });
      assert.deepEqual(sleeps, [2000]);
    } finally {
      await server.close();
    }
  });

  it('does not send a non-idempotent POST again after a reset, and says why', async () => {
    const server = await scriptedServer([reset, json(201, {})]);
    try {
      const { http } = client(server.url);
      await assert.rejects(
        http.request({ method: 'POST', path: '/pipelines/', json: {} }),
        (error: unknown) => {
          assert.ok(error instanceof NetworkError);
          assert.match(error.hint ?? '', /may or may not have been carried out/);
          return true;
        },
      );
      assert.equal(server.seen.length, 1);
    } finally {
      await server.close();
    }
  });

  it('does not retry other 4xx and explains a 403 scope error from its detail', async () => {
    const body = {
      type: 'error',
      error: {
        message: 'Your credentials lack one or more required privilege scopes.',
        detail: { required: ['pullrequest'], granted: ['repository'] },
      },
    };
    const server = await scriptedServer([json(403, body)]);
    try {
      const { http } = client(server.url);
      await assert.rejects(
        http.request({ method: 'GET', path: '/x', resource: 'pull request #7' }),
        (error: unknown) => {
          assert.ok(error instanceof ApiError);
          assert.equal(error.status, 403);
          assert.match(error.message, /lacks the scope pullrequest/);
          assert.match(error.diagnosis, /granted: repository/);
          assert.match(error.hint ?? '', /new access token/);
          return true;
        },
      );
      assert.equal(server.seen.length, 1);
    } finally {
      await server.close();
    }
  });

  it('times out a silent attempt, retries, then gives up with a network error', async () => {
    const server = await scriptedServer([hang]);
    try {
      const { http } = client(server.url, [], {
        timeoutMs: 100,
        retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      });
      await assert.rejects(http.request({ method: 'GET', path: '/x' }), (error: unknown) => {
        assert.ok(error instanceof NetworkError);
        assert.match(error.message, /no answer within .* \(after 2 attempts\)/);
        return true;
      });
      assert.equal(server.seen.length, 2);
    } finally {
      await server.close();
    }
  });

  it('never shows the token, even when the server echoes it back', async () => {
    const echo: Handler = (request, response) => {
      response.writeHead(400, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({ type: 'error', error: { message: `bad header ${request.headers.authorization}` } }),
      );
    };
    const server = await scriptedServer([echo]);
    const events: HttpEvent[] = [];
    try {
      const { http } = client(server.url, events);
      const error = await http
        .request({ method: 'GET', path: '/x?token=ATCTT3xFfGF0secretvalue' })
        .catch((caught: Error) => caught);
      assert.ok(error instanceof ApiError);
      const shown = JSON.stringify({
        message: error.message,
        diagnosis: error.diagnosis,
        request: error.request,
        events,
      });
      assert.ok(!shown.includes('ATCTT3xFfGF0secretvalue'), shown);
      assert.match(error.diagnosis, /bad header Bearer \*\*\*/);
    } finally {
      await server.close();
    }
  });

  it('refuses to follow a link to another origin', async () => {
    const { http } = client('http://127.0.0.1:9');
    await assert.rejects(
      http.request({ method: 'GET', path: 'https://evil.example/2.0/x' }),
      /only http:\/\/127\.0\.0\.1:9 is trusted/,
    );
  });

  it('gets an OAuth token once with client credentials and reuses it as Bearer', async () => {
    const server = await scriptedServer([
      (request, response, body) => {
        assert.equal(request.url, '/site/oauth2/access_token');
        assert.equal(body, 'grant_type=client_credentials');
        assert.equal(
          request.headers.authorization,
          `Basic ${Buffer.from('client-key:client-secret-value').toString('base64')}`,
        );
        json(200, { access_token: 'oauth-access-token-value', expires_in: 7200, token_type: 'bearer' })(
          request,
          response,
          body,
        );
      },
      json(200, {}),
    ]);
    const masked: string[] = [];
    try {
      const connection = connectBitbucket({
        credentials: { oauthClientId: 'client-key', oauthClientSecret: 'client-secret-value' },
        apiUrl: `${server.url}/2.0`,
        oauthTokenUrl: `${server.url}/site/oauth2/access_token`,
        transport: { userAgent: 'crosscheck/test' },
        onSecret: (secret) => masked.push(secret),
      });
      await connection.http.request({ method: 'GET', path: '/a' });
      await connection.http.request({ method: 'GET', path: '/b' });
      assert.equal(server.seen.length, 3);
      assert.equal(server.seen[1]?.headers.authorization, 'Bearer oauth-access-token-value');
      assert.equal(server.seen[2]?.headers.authorization, 'Bearer oauth-access-token-value');
      assert.deepEqual(masked, ['oauth-access-token-value']);
      assert.equal(connection.http.redact('x oauth-access-token-value y'), 'x *** y');
    } finally {
      await server.close();
    }
  });
});

describe('HttpClient: one mapping for every answer', () => {
  const statusPost = {
    method: 'POST' as const,
    path: '/repositories/acme/web-app/commit/abc/statuses/build',
    json: { key: 'sonar' },
    idempotent: true,
    resource: 'commit abc in acme/web-app',
  };

  /** The ApiError `request` rejects with, after checking the server was asked exactly `requests` times. */
  async function refused(
    handlers: Handler[],
    call: (http: HttpClient) => Promise<unknown>,
    requests = 1,
  ): Promise<ApiError> {
    const server = await scriptedServer(handlers);
    try {
      const error = await call(client(server.url).http).then(
        () => assert.fail('the answer was believed'),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof ApiError, `a diagnosed ApiError, not ${String(error)}`);
      assert.equal(server.seen.length, requests);
      return error;
    } finally {
      await server.close();
    }
  }

  it('refuses a 200 login page where a build status was asked for, naming both', async () => {
    const error = await refused([text(200, LOGIN_PAGE)], (http) =>
      http.request(statusPost, SHAPES.commitStatus),
    );
    assert.equal(error.status, 200);
    assert.match(
      error.message,
      /^Bitbucket answered POST commit abc in acme\/web-app with 200, but not with a build status/,
    );
    assert.match(error.diagnosis, /an HTML page titled "Log in with Atlassian account"/);
    assert.match(error.hint ?? '', /login or proxy page came back instead of the API/);
  });

  it('refuses truncated JSON and garbage with status 200, saying which', async () => {
    const truncated = await refused([text(200, '{"key":"sonar","state":"SUCC', 'application/json')], (http) =>
      http.request(statusPost, SHAPES.commitStatus),
    );
    assert.match(truncated.diagnosis, /JSON cut off or malformed after 28 bytes/);
    assert.match(truncated.hint ?? '', /cut off or garbled on the way/);
    const garbage = await refused([text(200, 'OK\x00\x01 done', 'application/octet-stream')], (http) =>
      http.request(statusPost, SHAPES.commitStatus),
    );
    assert.match(garbage.diagnosis, /text that is not JSON \("OK/);
    const empty = await refused([text(200, '', 'application/json')], (http) =>
      http.request(statusPost, SHAPES.commitStatus),
    );
    assert.match(empty.diagnosis, /an empty body/);
  });

  it('refuses JSON of another shape: a pipeline without build_number is never believed', async () => {
    const error = await refused([json(201, { uuid: '{run}', state: { name: 'PENDING' } })], (http) =>
      http.request(
        { method: 'POST', path: '/repositories/acme/central/pipelines/', json: {} },
        SHAPES.pipeline,
      ),
    );
    assert.match(error.message, /but not with a pipeline run \(JSON with uuid and build_number\)/);
    assert.match(error.diagnosis, /JSON where "build_number" is missing/);
  });

  it('returns a 204 as an empty success when no body was asked for, and refuses it when one was', async () => {
    const server = await scriptedServer([(_request, response) => response.writeHead(204).end()]);
    try {
      const { http } = client(server.url);
      const answer = await http.request({ method: 'DELETE', path: '/x' });
      assert.equal(answer.status, 204);
      assert.equal(answer.body, undefined);
      await assert.rejects(
        http.request({ method: 'GET', path: '/x' }, SHAPES.repository),
        /but not with a repository/,
      );
    } finally {
      await server.close();
    }
  });

  it('never follows a redirect, and names the host it pointed to', async () => {
    const error = await refused(
      [
        (_request, response) =>
          response.writeHead(302, { Location: 'https://login.example.com/sso?next=%2F2.0' }).end(),
      ],
      (http) => http.request({ method: 'GET', path: '/user', resource: 'the current user' }, SHAPES.account),
    );
    assert.equal(error.status, 302);
    assert.equal(error.message, 'Bitbucket redirected GET the current user to login.example.com (302)');
    assert.match(error.diagnosis, /Redirects are not followed, so credentials never go to another address/);
    assert.match(error.hint ?? '', /If https:\/\/login\.example\.com is the right server/);
  });

  it('does not send a non-idempotent POST again after a 502, and does not claim it did', async () => {
    const error = await refused([json(502, {})], (http) =>
      http.request({ method: 'POST', path: '/repositories/acme/central/pipelines/', json: {} }),
    );
    assert.doesNotMatch(`${error.message} ${error.hint}`, /retried|tried \d+ times/);
    assert.match(error.hint ?? '', /It was not sent again: the server may have carried it out/);
    const retried = await refused([json(502, {})], (http) => http.request({ method: 'GET', path: '/x' }), 5);
    assert.match(retried.hint ?? '', /It was tried 5 times\./);
    assert.match(retried.message, /\(after 5 attempts\)$/);
  });

  it('tells of every HTTP answer once, 429s and retried ones included, with its headers', async () => {
    const server = await scriptedServer([
      rateLimited,
      json(502, {}),
      reset,
      json(201, { key: 'sonar', state: 'SUCCESSFUL' }, { 'X-RateLimit-NearLimit': 'false' }),
    ]);
    const events: HttpEvent[] = [];
    try {
      await client(server.url, events).http.request(statusPost, SHAPES.commitStatus);
      const answers = events.flatMap((event) => (event.type === 'response' ? [event] : []));
      assert.deepEqual(
        answers.map((event) => event.status),
        [429, 502, 201],
      );
      assert.equal(answers[2]?.rateLimit?.nearLimit, false);
    } finally {
      await server.close();
    }
  });

  it('diagnoses an OAuth token endpoint that answers a login page (no plain Error)', async () => {
    const server = await scriptedServer([text(200, LOGIN_PAGE)]);
    try {
      const connection = connectBitbucket({
        credentials: { oauthClientId: 'client-key', oauthClientSecret: 'client-secret-value' },
        apiUrl: `${server.url}/2.0`,
        oauthTokenUrl: `${server.url}/site/oauth2/access_token`,
        transport: { userAgent: 'crosscheck/test' },
      });
      const error = await connection.http
        .request({ method: 'GET', path: '/user' })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof ApiError);
      assert.match(
        error.message,
        /answered POST the OAuth token endpoint with 200, but not with an access token/,
      );
      assert.equal(server.seen.length, 1, 'the API itself was never called without a token');
    } finally {
      await server.close();
    }
  });

  it('holds the overall deadline through a proxy that never answers CONNECT', async () => {
    const connects: Array<{ hungUp: boolean }> = [];
    const proxy = createServer();
    proxy.on('connect', (_request, socket: Socket) => {
      const seen = { hungUp: false };
      connects.push(seen);
      socket.on('error', () => undefined);
      socket.on('end', () => (seen.hungUp = true));
      socket.on('close', () => (seen.hungUp = true));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    try {
      const { http } = client('http://127.0.0.1:9', [], {
        timeoutMs: 10_000,
        deadlineMs: 300,
        proxy: { httpProxy: `http://127.0.0.1:${port}`, httpsProxy: `http://127.0.0.1:${port}` },
      });
      const started = Date.now();
      const error = await http.request({ method: 'GET', path: '/x' }).catch((caught: unknown) => caught);
      assert.ok(error instanceof NetworkError);
      assert.match(error.message, /the proxy 127\.0\.0\.1:\d+ did not answer CONNECT within \d+ ms$/);
      assert.ok(Date.now() - started < 2000, 'the deadline, not the 10 s attempt timeout, ended it');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(connects.length === 1 && connects[0]?.hungUp, 'the client hung up on the proxy');
    } finally {
      proxy.close();
    }
  });

  describe('body size limit', () => {
    /** Streams 64 KiB chunks until `limit` bytes or the client hangs up; records how much it wrote. */
    function streaming(limit: number, headers: Record<string, string> = {}) {
      const written = { bytes: 0, closedEarly: false };
      const handler: Handler = (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json', ...headers });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        response.on('close', () => (written.closedEarly = written.bytes < limit));
        const pump = () => {
          while (written.bytes < limit) {
            written.bytes += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
          response.end();
        };
        response.write('["');
        pump();
      };
      return { handler, written };
    }

    it('stops reading a body past the limit and says so, without buffering it whole', async () => {
      const { handler, written } = streaming(64 * 1024 * 1024);
      const server = await scriptedServer([handler]);
      try {
        const { http } = client(server.url, [], { maxBodyBytes: 1024 * 1024 });
        const error = await http.request({ method: 'GET', path: '/x' }).catch((caught: unknown) => caught);
        assert.ok(error instanceof ApiError, String(error));
        assert.match(error.message, /answer to GET .* is larger than 1 MiB, so it was not read/);
        assert.equal(server.seen.length, 1, 'not retried');
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.ok(written.closedEarly, `the server was cut off (wrote ${written.bytes} bytes)`);
      } finally {
        await server.close();
      }
    });

    it('refuses a body whose Content-Length is over the limit before reading it', async () => {
      const server = await scriptedServer([
        (_request, response) => {
          response.writeHead(200, {
            'Content-Type': 'application/json',
            'Content-Length': String(300 * 1024 * 1024),
          });
          response.write('[');
        },
      ]);
      try {
        const { http } = client(server.url);
        const error = await http.request({ method: 'GET', path: '/x' }).catch((caught: unknown) => caught);
        assert.ok(error instanceof ApiError, String(error));
        assert.match(error.message, /larger than 10 MiB/);
        assert.match(error.diagnosis, /it declared 314572800 bytes/);
      } finally {
        await server.close();
      }
    });
  });
});
