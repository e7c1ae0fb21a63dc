// The core's reads behind the editor's findings and run log: reports, annotations page by page, steps, a step log
// with Range (and a hostile server's answers to it), stopping a run.
import * as assert from 'node:assert';
import { connectBitbucket } from '../../src/core/bitbucket/connection';
import { ApiError, NetworkError } from '../../src/core/errors';
import { seed } from '../../src/sandbox';
import { useSandbox } from '../support/sandbox-suite';
import { scriptedServer, type Handler, type LoopbackServer } from '../support/loopback-server';
import { connectTo, TRANSPORT } from './support/sandbox';

const repo = { workspace: seed.workspace, slug: seed.webApp.slug };
const commit = seed.webApp.pullRequest.sourceCommit;

describe('Code Insights reads (sandbox)', () => {
  const suite = useSandbox();

  it('lists the reports of a commit and reads one, with its data fields', async () => {
    const { api } = connectTo(suite.sandbox);
    await api.putReport(repo, commit, 'sonar', {
      title: 'SonarQube',
      details: 'Quality gate failed',
      report_type: 'BUG',
      result: 'FAILED',
      link: 'https://sonar.example/dashboard?id=web-app',
      data: [{ title: 'Quality gate', type: 'TEXT', value: 'Failed' }],
    });
    const reports = await api.listReports(repo, commit);
    const sonar = reports.find((report) => report.external_id === 'sonar');
    assert.ok(sonar, JSON.stringify(reports));
    assert.equal(sonar.title, 'SonarQube');
    const read = await api.getReport(repo, commit, 'sonar');
    assert.equal(read.uuid, sonar.uuid);
    assert.deepEqual(read.data, [{ title: 'Quality gate', type: 'TEXT', value: 'Failed' }]);
  });

  it('reads every annotation of a report across pages of 100', async () => {
    const { api } = connectTo(suite.sandbox);
    await api.putReport(repo, commit, 'many', { title: 'Many', details: 'x', report_type: 'BUG' });
    const posted = Array.from({ length: 250 }, (_, index) => ({
      external_id: `issue-${index}`,
      annotation_type: 'CODE_SMELL' as const,
      summary: `Finding ${index}`,
      path: 'src/app.ts',
      line: index + 1,
    }));
    await api.postAnnotations(repo, commit, 'many', posted);
    const since = suite.sandbox.requests.length;
    const read = await api.listAnnotations(repo, commit, 'many');
    assert.equal(read.length, 250);
    assert.deepEqual(new Set(read.map((annotation) => annotation.external_id)).size, 250);
    const pages = suite.sandbox.requests.slice(since);
    assert.equal(pages.length, 3, pages.map((request) => request.path).join('\n'));
  });
});

describe('step logs and stopping (loopback servers)', () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function apiAgainst(handlers: Handler[]) {
    server = await scriptedServer(handlers);
    return connectBitbucket({
      credentials: { email: 'dev@acme.example', apiToken: 'ATATT3xFfGF0secret-token-value' },
      apiUrl: `${server.url}/2.0`,
      transport: TRANSPORT,
    }).api;
  }
  const central = { workspace: 'acme', slug: 'central-checks' };

  it('asks for the bytes after the offset and returns them with the next offset', async () => {
    const api = await apiAgainst([
      (_request, response) => {
        response.writeHead(206, { 'Content-Type': 'text/plain', 'Content-Range': 'bytes 6-11/12' });
        response.end('world\n');
      },
    ]);
    const chunk = await api.readStepLog(central, '{run}', '{step}', 6);
    assert.equal(chunk.bytes.toString(), 'world\n');
    assert.equal(chunk.next, 12);
    assert.equal(chunk.total, 12);
    assert.equal(server?.seen[0]?.headers.range, 'bytes=6-');
    assert.equal(
      server?.seen[0]?.url,
      '/2.0/repositories/acme/central-checks/pipelines/%7Brun%7D/steps/%7Bstep%7D/log',
    );
  });

  it('keeps a character split between two reads as bytes, and a log that starts with { as text', async () => {
    const euro = Buffer.from('€');
    const api = await apiAgainst([
      (_request, response) => {
        response.writeHead(206, { 'Content-Range': 'bytes 0-2/3' });
        response.end(Buffer.concat([Buffer.from('{a'), euro.subarray(0, 1)]));
      },
    ]);
    const chunk = await api.readStepLog(central, '{run}', '{step}', 0);
    assert.deepEqual(chunk.bytes, Buffer.concat([Buffer.from('{a'), euro.subarray(0, 1)]));
  });

  it('416 means nothing new; a server that ignores Range is cut to what is new', async () => {
    const api = await apiAgainst([
      (_request, response) => {
        response.writeHead(416, { 'Content-Type': 'application/json' });
        response.end('{"type":"error","error":{"message":"Range not satisfiable"}}');
      },
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('line 1\nline 2\n');
      },
    ]);
    const none = await api.readStepLog(central, '{run}', '{step}', 14);
    assert.equal(none.bytes.length, 0);
    assert.equal(none.next, 14);
    const whole = await api.readStepLog(central, '{run}', '{step}', 7);
    assert.equal(whole.bytes.toString(), 'line 2\n');
    assert.equal(whole.next, 14);
  });

  it('follows a redirect to long-term storage without credentials, and refuses one that is not HTTPS', async () => {
    let storage: LoopbackServer | undefined;
    try {
      storage = await scriptedServer([
        (_request, response) => {
          response.writeHead(206, { 'Content-Range': 'bytes 0-4/5' });
          response.end('done\n');
        },
      ]);
      const storageUrl = `${storage.url}/logs/step.txt?signature=abc`;
      const api = await apiAgainst([
        (_request, response) => {
          response.writeHead(307, { Location: storageUrl });
          response.end();
        },
        (_request, response) => {
          response.writeHead(307, { Location: '/2.0/stored/step.txt' });
          response.end();
        },
        (request, response) => {
          response.writeHead(206, { 'Content-Range': 'bytes 0-4/5' });
          response.end(request.headers.authorization ? 'creds' : 'safe\n');
        },
      ]);
      // http:// on another origin: refused, nothing sent there.
      await assert.rejects(api.readStepLog(central, '{run}', '{step}', 0), (error: unknown) => {
        assert.ok(error instanceof NetworkError, String(error));
        assert.match(error.message, /not HTTPS/);
        return true;
      });
      assert.equal(storage.seen.length, 0);
      // The API's own origin: followed, without the Authorization header.
      const chunk = await api.readStepLog(central, '{run}', '{step}', 0);
      assert.equal(chunk.bytes.toString(), 'safe\n');
      assert.equal(server?.seen[2]?.headers.authorization, undefined);
      assert.ok(server?.seen[1]?.headers.authorization, 'the API itself got the credential');
    } finally {
      await storage?.close();
    }
  });

  it('a log larger than the body limit is refused with a diagnosis', async () => {
    server = await scriptedServer([
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('x'.repeat(4096));
      },
    ]);
    const { api } = connectBitbucket({
      credentials: { email: 'dev@acme.example', apiToken: 'ATATT3xFfGF0secret-token-value' },
      apiUrl: `${server.url}/2.0`,
      transport: { ...TRANSPORT, maxBodyBytes: 1024 },
    });
    await assert.rejects(api.readStepLog(central, '{run}', '{step}', 0), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.match(error.message, /larger than 1024 bytes/);
      return true;
    });
  });

  it('lists steps (checked for shape) and stops a run with one POST', async () => {
    const api = await apiAgainst([
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(
          JSON.stringify({ values: [{ uuid: '{s1}', name: 'Gate', state: { name: 'IN_PROGRESS' } }] }),
        );
      },
      (_request, response) => {
        response.writeHead(204);
        response.end();
      },
      (_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ values: [{ name: 'no uuid' }] }));
      },
    ]);
    const steps = await api.listPipelineSteps(central, '{run}');
    assert.deepEqual(
      steps.map((step) => [step.uuid, step.state?.name]),
      [['{s1}', 'IN_PROGRESS']],
    );
    await api.stopPipeline(central, '{run}');
    assert.equal(server?.seen[1]?.method, 'POST');
    assert.equal(
      server?.seen[1]?.url,
      '/2.0/repositories/acme/central-checks/pipelines/%7Brun%7D/stopPipeline',
    );
    await assert.rejects(api.listPipelineSteps(central, '{run}'), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.match(error.diagnosis ?? '', /\[0\]\.uuid is missing/);
      return true;
    });
  });
});
