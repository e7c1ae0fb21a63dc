// The shared HTTP client over real loopback HTTP: retries, Retry-After, timeouts, redaction, origins, OAuth caching.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectBitbucket } from '../../src/core/bitbucket/connection';
import { ApiError, NetworkError } from '../../src/core/errors';
import { HttpClient, type HttpEvent } from '../../src/core/http/client';
import { diagnoseBitbucket } from '../../src/core/bitbucket/diagnosis';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

/** A loopback server answering each request with the next scripted handler. */
async function scriptedServer(handlers: Handler[]): Promise<{
  url: string;
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close: () => Promise<void>;
}> {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)];
      handler(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json =
  (status: number, value: unknown, headers: Record<string, string> = {}): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify(value));
  };
const rateLimited: Handler = (_request, response) => {
  response.writeHead(429, { 'Content-Type': 'text/plain' });
  response.end('Rate limit for this resource has been exceeded');
};
const reset: Handler = (request) => request.socket.destroy();
const hang: Handler = () => undefined;

function client(
  baseUrl: string,
  events: HttpEvent[] = [],
  extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {},
) {
  const sleeps: number[] = [];
  const http = new HttpClient({
    baseUrl: `${baseUrl}/2.0`,
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
      assert.ok(sleeps[1] > sleeps[0] && sleeps[2] > sleeps[1], `backoff grows: ${sleeps.join(', ')}`);
      const reasons = events
        .filter((event) => event.type === 'retry')
        .map((event) => (event as { reason: string }).reason);
      assert.deepEqual(reasons, ['rate limited (429)', 'server answered 502', 'the connection was reset']);
      assert.equal(server.seen[0].headers['user-agent'], 'crosscheck/test');
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
      assert.equal(server.seen[1].headers.authorization, 'Bearer oauth-access-token-value');
      assert.equal(server.seen[2].headers.authorization, 'Bearer oauth-access-token-value');
      assert.deepEqual(masked, ['oauth-access-token-value']);
      assert.equal(connection.http.redact('x oauth-access-token-value y'), 'x *** y');
    } finally {
      await server.close();
    }
  });
});
