// A hostile loopback Bitbucket that echoes the credentials back in every encoding: nothing printed may reveal them.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectBitbucket } from '../../src/core/bitbucket/connection';
import { runDoctor } from '../../src/core/doctor';
import { doctorReportLines } from '../../src/extension/view/messages';
import { runCrosscheck } from '../support/cli';

const EMAIL = 'dev@acme.example';
const TOKEN = 'ATATT3xFfGF0echoedtoken+/0123456789abcdefXYZ';
const CLIENT_ID = 'consumer-key-1234';
const CLIENT_SECRET = 'consumer-secret-0987654321zyxw';
const COMMIT = 'a'.repeat(40);

/** Every spelling of the Authorization credential a careless or hostile server might send back. */
function echoes(request: IncomingMessage): string {
  const header = request.headers.authorization ?? '';
  const encoded = header.replace(/^\w+\s+/, '');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const secret = decoded.slice(decoded.indexOf(':') + 1);
  return [
    `bare ${encoded}`,
    `unpadded ${encoded.replace(/=+$/, '')}`,
    `urlsafe ${encoded.replace(/\+/g, '-').replace(/\//g, '_')}`,
    `decoded ${decoded}`,
    `url ${encodeURIComponent(secret)}`,
    `json ${JSON.stringify(secret).slice(1, -1)}`,
    `shifted ${Buffer.from(`x${secret}`).toString('base64')}`,
  ].join(' | ');
}

async function echoingServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url?.includes('oauth')) {
        response.writeHead(400, { 'Content-Type': 'application/json' });
        const said = echoes(request);
        response.end(JSON.stringify({ type: 'error', error: { message: said }, error_description: said }));
        return;
      }
      if (request.url?.endsWith('/user')) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ type: 'user', display_name: echoes(request), account_id: '1' }));
        return;
      }
      response.writeHead(403, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ type: 'error', error: { message: echoes(request) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/2.0`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Fails if any recognisable piece of a secret survives in the text. */
function assertNoSecret(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    const pieces = [
      secret,
      encodeURIComponent(secret),
      Buffer.from(`${EMAIL}:${secret}`).toString('base64').slice(24, 48),
      Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64').slice(24, 48),
      Buffer.from(secret).toString('base64').slice(4, 24),
    ];
    for (const piece of pieces)
      assert.ok(!text.includes(piece), `"${piece}" of a secret printed in:\n${text}`);
  }
  assert.match(text, /\*\*\*/, 'the echoed values are shown masked');
}

describe('a server that echoes the credentials back (hostile loopback server)', () => {
  let server: Awaited<ReturnType<typeof echoingServer>>;
  before(async () => (server = await echoingServer()));
  after(() => server.close());

  const setStatus = (env: Record<string, string>) =>
    runCrosscheck(
      [
        'status',
        'set',
        '--repo',
        'acme/web-app',
        '--commit',
        COMMIT,
        '--key',
        'sonar',
        '--state',
        'passed',
        '--url',
        'https://ci.example.com/1',
      ],
      {
        env: {
          BITBUCKET_API_URL: server.url,
          ATLASSIAN_ACCOUNT_EMAIL: EMAIL,
          BITBUCKET_API_TOKEN: TOKEN,
          CROSSCHECK_RETRY_DELAY_MS: '1',
          ...env,
        },
      },
    );

  it('status set: the diagnosis on stderr masks the token in every encoding', async () => {
    const result = await setStatus({});
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /403/);
    assertNoSecret(result.stdout + result.stderr, [TOKEN]);
  });

  it('status set under GitHub Actions: the ::error:: annotation masks it too', async () => {
    const result = await setStatus({ GITHUB_ACTIONS: 'true' });
    assert.equal(result.code, 1, result.stderr);
    const annotation = result.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '';
    assert.ok(annotation, result.stdout);
    assertNoSecret(annotation, [TOKEN]);
  });

  it('doctor: names and errors echoed by the server are masked', async () => {
    const result = await runCrosscheck(['doctor', '--repo', 'acme/web-app'], {
      env: { BITBUCKET_API_URL: server.url, ATLASSIAN_ACCOUNT_EMAIL: EMAIL, BITBUCKET_API_TOKEN: TOKEN },
    });
    assert.equal(result.code, 1, result.stderr);
    assertNoSecret(result.stdout + result.stderr, [TOKEN]);
  });

  it('the OAuth client secret echoed by the token endpoint is masked', async () => {
    const result = await runCrosscheck(['doctor'], {
      env: {
        BITBUCKET_API_URL: server.url,
        BITBUCKET_OAUTH_TOKEN_URL: `${server.url}/oauth`,
        BITBUCKET_OAUTH_CLIENT_ID: CLIENT_ID,
        BITBUCKET_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
    assert.notEqual(result.code, 0);
    assertNoSecret(result.stdout + result.stderr, [CLIENT_SECRET]);
  });

  it("the extension's doctor lines (the output channel) mask it", async () => {
    const connection = connectBitbucket({
      credentials: { email: EMAIL, apiToken: TOKEN },
      apiUrl: server.url,
      transport: { userAgent: 'test', retry: { retries: 0 } },
    });
    const report = await runDoctor(connection, { workspace: 'acme', slug: 'web-app' });
    assertNoSecret(doctorReportLines(report, 'Doctor').join('\n'), [TOKEN]);
  });
});

describe('credentials in the wrong variable are never echoed (CLI)', () => {
  it('the email and token variables swapped: exit 2, the token not printed', async () => {
    const result = await runCrosscheck(['doctor'], {
      env: {
        ATLASSIAN_ACCOUNT_EMAIL: TOKEN,
        BITBUCKET_API_TOKEN: EMAIL,
        BITBUCKET_API_URL: 'http://127.0.0.1:9/2.0',
      },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /look swapped/);
    assert.ok(!(result.stdout + result.stderr).includes(TOKEN.slice(4, 30)), result.stderr);
  });

  it('--verbose does not echo a token put in BITBUCKET_USERNAME', async () => {
    const result = await runCrosscheck(['doctor', '--verbose'], {
      env: {
        ATLASSIAN_ACCOUNT_EMAIL: EMAIL,
        BITBUCKET_API_TOKEN: TOKEN,
        BITBUCKET_USERNAME: 'q8Zr2LmX0pVt7Kc4Wn9sHy3B',
        BITBUCKET_API_URL: 'http://127.0.0.1:9/2.0',
        CROSSCHECK_RETRY_DELAY_MS: '1',
      },
    });
    assert.match(
      result.stderr,
      /BITBUCKET_USERNAME=\(a value that looks like a token, not shown\) is ignored/,
    );
    assert.ok(!(result.stdout + result.stderr).includes('q8Zr2LmX0pVt7Kc4Wn9sHy3B'), result.stderr);
  });
});
