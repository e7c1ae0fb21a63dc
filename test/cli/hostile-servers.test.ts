// The bundled CLI against hostile loopback servers: a 200 that is not the answer, redirects, a 502 on the trigger
// POST, a silent proxy and a proxy that wants credentials. Each ends with a diagnosis and exit 1, never a crash.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type CliResult, runCrosscheck } from '../support/cli';
import {
  type Handler,
  json,
  LOGIN_PAGE,
  type LoopbackServer,
  scriptedServer,
  text,
} from '../support/loopback-server';

const COMMIT = '7abc2fe5ae51bd9558c8e0cf2f6eb60954b9eee1';
const TOKEN = 'ATATT3xFfGF0hostiletestsecret0000';
const ENV = { ATLASSIAN_ACCOUNT_EMAIL: 'dev@acme.example', BITBUCKET_API_TOKEN: TOKEN };

const statusSet = ['status', 'set', '--repo', 'acme/web-app', '--commit', COMMIT, '--key', 'sonar'];
const COMMANDS = {
  'status set': [...statusSet, '--state', 'passed', '--url', 'https://ci.example.com/1'],
  'status get': ['status', 'get', '--repo', 'acme/web-app', '--commit', COMMIT],
  doctor: ['doctor', '--repo', 'acme/web-app'],
  trigger: [
    'trigger',
    ...['--central', 'acme/central', '--pipeline', 'sonar-pr-check', '--ref', 'main'],
    ...['--repo', 'acme/web-app', '--commit', COMMIT, '--branch', 'feature/x'],
  ],
} satisfies Record<string, string[]>;

/** Runs the CLI against `server`, checks it never crashed or leaked the token, and returns what it printed. */
async function against(
  server: LoopbackServer,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const result = await runCrosscheck(['--retries', '1', ...args], {
    env: { ...ENV, BITBUCKET_API_URL: `${server.url}/2.0`, ...env },
  });
  const printed = `${result.stdout}${result.stderr}`;
  assert.doesNotMatch(printed, /This is a bug|TypeError|unexpected error/, printed);
  assert.ok(!printed.includes(TOKEN), 'the token leaked');
  return result;
}

describe('crosscheck against hostile servers (CLI)', function () {
  this.timeout(30_000);
  let server: LoopbackServer | undefined;
  afterEach(() => server?.close());

  it('status set: a 200 login page is a failure, not ✓', async () => {
    server = await scriptedServer([text(200, LOGIN_PAGE)]);
    const result = await against(server, COMMANDS['status set']);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stdout, /✓/);
    assert.match(
      result.stderr,
      /answered POST commit 7abc2fe5ae51 in acme\/web-app with 200, but not with a build status/,
    );
    assert.match(result.stderr, /an HTML page titled "Log in with Atlassian account"/);
  });

  it('trigger: a 200 run without a number never prints #? nor polls /pipelines/undefined', async () => {
    server = await scriptedServer([json(200, { uuid: '{abc}' }), json(200, {})]);
    const result = await against(server, [...COMMANDS.trigger, '--wait']);
    assert.equal(result.code, 1);
    assert.doesNotMatch(`${result.stdout}${result.stderr}`, /#\?|undefined/);
    assert.match(result.stderr, /but not with a pipeline run/);
    assert.deepEqual(
      server.seen.map((request) => `${request.method} ${request.url}`),
      ['POST /2.0/repositories/acme/central/pipelines/'],
    );
  });

  it('trigger: truncated JSON and garbage are diagnosed too', async () => {
    for (const body of ['{"uuid":"{abc}","build_number":4', 'Service temporarily in maintenance']) {
      server = await scriptedServer([text(201, body, 'application/json')]);
      const result = await against(server, COMMANDS.trigger);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /JSON cut off or malformed|text that is not JSON/);
      await server.close();
      server = undefined;
    }
  });

  for (const [name, args] of Object.entries(COMMANDS)) {
    it(`${name}: a redirect is reported with its target host, not followed and not a crash`, async () => {
      const redirect: Handler = (_request, response) =>
        response.writeHead(302, { Location: 'https://id.example.com/login?continue=%2F2.0' }).end();
      server = await scriptedServer([redirect]);
      const result = await against(server, args);
      assert.equal(result.code, 1, result.stderr);
      // doctor reports each probe on stdout; the other commands fail on stderr.
      assert.match(
        `${result.stdout}${result.stderr}`,
        /Bitbucket redirected (GET|POST) .* to id\.example\.com \(302\)/,
      );
      assert.ok(server.seen.length >= 1);
    });
  }

  it('status get: a server that accepts and never answers ends the process within seconds of the timeout', async () => {
    server = await scriptedServer([() => undefined]);
    const started = Date.now();
    const result = await against(server, ['--request-timeout', '1', ...COMMANDS['status get']]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no answer within 1 s \(after 2 attempts\)/);
    assert.ok(Date.now() - started < 6000, `the process lived ${Date.now() - started} ms`);
  });

  it('trigger: a 502 on the POST is not sent again, and the message does not say it was', async () => {
    server = await scriptedServer([json(502, { type: 'error', error: { message: 'Bad gateway' } })]);
    const result = await against(server, COMMANDS.trigger, {});
    assert.equal(result.code, 1);
    assert.equal(server.seen.length, 1, 'one POST only');
    assert.doesNotMatch(result.stderr, /retried|retrying|tried \d+ times/);
    assert.match(result.stderr, /It was not sent again/);
  });
});

/** A CONNECT proxy that answers with `answer` (a raw HTTP head), or never answers when it is undefined. */
async function badProxy(
  answer?: string,
): Promise<{ url: string; connects: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { connects: 0 };
  const proxy: Server = createServer((_request, response) => response.writeHead(405).end());
  proxy.on('connect', (_request, socket: Socket) => {
    state.connects++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (answer) socket.end(answer);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connects() {
      return state.connects;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

/** The CLI's environment with every request sent through `proxy` (the API address itself is never reached). */
const throughProxy = (proxy: string) => ({
  ...ENV,
  BITBUCKET_API_URL: 'http://127.0.0.1:9/2.0',
  HTTPS_PROXY: proxy,
  HTTP_PROXY: proxy,
});

describe('crosscheck behind a failing proxy (CLI)', function () {
  this.timeout(30_000);

  it('ends within seconds of its timeout when the proxy never answers CONNECT', async () => {
    const proxy = await badProxy();
    try {
      const started = Date.now();
      const result = await runCrosscheck(
        ['--request-timeout', '1', '--retries', '1', ...COMMANDS['status set']],
        {
          env: throughProxy(proxy.url),
          // A process that outlives its timeout is killed here, so the assertion below reports it.
          onSpawn: (child) => setTimeout(() => child.kill('SIGKILL'), 15_000).unref(),
        },
      );
      const took = Date.now() - started;
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /the proxy 127\.0\.0\.1:\d+ did not answer CONNECT within 1 s \(after 2 attempts\)/,
      );
      assert.equal(proxy.connects, 2);
      // Two 1 s attempts and a short backoff, then the process must be gone: nothing may keep it alive.
      assert.ok(took < 6000, `the process lived ${took} ms`);
    } finally {
      await proxy.close();
    }
  });

  it('says a 407 is the proxy asking for credentials, not Bitbucket refusing the token', async () => {
    const proxy = await badProxy(
      'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n',
    );
    try {
      const result = await runCrosscheck(COMMANDS['status set'], {
        env: throughProxy(proxy.url),
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /The proxy 127\.0\.0\.1:\d+ asks for credentials \(407 Proxy Authentication Required\)/,
      );
      assert.match(result.stderr, /This answer is the proxy’s, not the server’s/);
      assert.doesNotMatch(result.stderr, /Bitbucket (did not accept|answered 407)/);
      assert.equal(proxy.connects, 1, 'a 407 is not retried');
    } finally {
      await proxy.close();
    }
  });

  it('retries a proxy that could not reach the host (502 to CONNECT), even for a POST, then says whose answer it was', async () => {
    const proxy = await badProxy('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    try {
      const result = await runCrosscheck(['--retries', '2', ...COMMANDS.trigger], {
        env: throughProxy(proxy.url),
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /the proxy answered 502 on POST/);
      assert.match(
        result.stderr,
        /The proxy 127\.0\.0\.1:\d+ did not open a tunnel to 127\.0\.0\.1:9 \(502 Bad Gateway\)/,
      );
      assert.equal(proxy.connects, 3);
    } finally {
      await proxy.close();
    }
  });
});
