// HTTPS_PROXY and NO_PROXY: the CLI tunnels through a loopback CONNECT proxy, or bypasses it, as told.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { seed } from '../../src/sandbox';
import { runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

/** A minimal CONNECT proxy that records the targets it tunnels to. */
async function connectProxy(): Promise<{ url: string; targets: string[]; close: () => Promise<void> }> {
  const targets: string[] = [];
  const server: Server = createServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request, client, head) => {
    targets.push(request.url ?? '');
    const [host, port] = (request.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('crosscheck behind a proxy (CLI)', () => {
  const suite = useSandbox();
  const commit = seed.webApp.pullRequest.sourceCommit;

  const post = (key: string, env: Record<string, string>) =>
    runCrosscheck(
      [
        'status',
        'set',
        '--repo',
        seed.webApp.fullName,
        '--commit',
        commit,
        '--key',
        key,
        '--state',
        'passed',
        '--url',
        'https://ci.example.com/1',
      ],
      {
        env: {
          ...apiTokenEnvironment(suite.sandbox),
          ...env,
        },
      },
    );

  it('tunnels through HTTP_PROXY and HTTPS_PROXY', async () => {
    const proxy = await connectProxy();
    try {
      const result = await post('via-proxy', { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });
      assert.equal(result.code, 0, result.stderr);
      const { port } = new URL(suite.sandbox.url);
      assert.deepEqual(proxy.targets, [`127.0.0.1:${port}`]);
      assert.equal(
        suite.sandbox.buildStatuses(seed.webApp.fullName, commit).find((status) => status.key === 'via-proxy')
          ?.state,
        'SUCCESSFUL',
      );
    } finally {
      await proxy.close();
    }
  });

  it('connects directly to hosts listed in NO_PROXY', async () => {
    const proxy = await connectProxy();
    try {
      const result = await post('no-proxy', { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(proxy.targets, []);
    } finally {
      await proxy.close();
    }
  });

  it('explains a proxy that cannot be reached', async () => {
    const result = await post('dead-proxy', {
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the connection to the proxy 127\.0\.0\.1:9 was refused/);
    assert.match(
      result.stderr,
      /Check the proxy 127\.0\.0\.1:9 \(HTTPS_PROXY, HTTP_PROXY\) or list the host in NO_PROXY/,
    );
  });
});
