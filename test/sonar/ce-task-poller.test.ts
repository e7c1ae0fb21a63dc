// The CE task poller over real HTTP against the sandbox's SonarQube: every ending is a value, the schedule adapts.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, CrosscheckError } from '../../src/core/errors';
import {
  waitForCeTask,
  pollDelayMs,
  FIRST_POLL_MS,
  LONGEST_POLL_INTERVAL_MS,
} from '../../src/core/sonar/ce-task-poller';
import { connectSonar } from '../../src/core/sonar/connection';
import { type Sandbox, startSandbox } from '../../src/sandbox';

describe('CE task poller (against the sandbox SonarQube)', function () {
  let sandbox: Sandbox;
  before(async () => (sandbox = await startSandbox()));
  after(() => sandbox.close());

  const sonar = (token = sandbox.demo.sonarToken) =>
    connectSonar({
      hostUrl: sandbox.sonarUrl,
      token,
      transport: { userAgent: 'crosscheck-test', retry: { retries: 0 } },
    }).api;

  it('returns success with the analysis id once the task succeeded', async () => {
    const { ceTaskId } = sandbox.sonar.submitAnalysis({ projectKey: 'poll-ok', processingMs: 1200 });
    const seen: string[] = [];
    const outcome = await waitForCeTask(sonar(), ceTaskId, {
      timeoutMs: 10_000,
      onProgress: (status) => seen.push(status),
    });
    assert.equal(outcome.kind, 'success');
    assert.ok(outcome.kind === 'success' && /^AZ/.test(outcome.analysisId));
    assert.equal(seen.at(-1), 'SUCCESS');
    assert.ok(seen.includes('IN_PROGRESS'), `saw ${seen.join(' → ')}`);
    assert.equal(outcome.polls, sandbox.sonar.ceTaskCalls(ceTaskId));
  });

  for (const ending of ['FAILED', 'CANCELED'] as const) {
    it(`returns ${ending.toLowerCase()} with a message, never an analysis id`, async () => {
      const { ceTaskId } = sandbox.sonar.submitAnalysis({
        projectKey: `poll-${ending}`,
        processingMs: 300,
        outcome: ending,
      });
      const outcome = await waitForCeTask(sonar(), ceTaskId, { timeoutMs: 10_000 });
      assert.equal(outcome.kind, ending === 'FAILED' ? 'failed' : 'canceled');
      assert.ok('message' in outcome && outcome.message.includes(ceTaskId));
      if (ending === 'FAILED')
        assert.ok('message' in outcome && /Error while processing the analysis report/.test(outcome.message));
    });
  }

  it('returns timeout with the last status when the task outlasts the wait', async () => {
    const { ceTaskId } = sandbox.sonar.submitAnalysis({ projectKey: 'poll-slow', processingMs: 60_000 });
    const outcome = await waitForCeTask(sonar(), ceTaskId, { timeoutMs: 800 });
    assert.equal(outcome.kind, 'timeout');
    assert.ok(
      outcome.kind === 'timeout' && ['PENDING', 'IN_PROGRESS'].includes(outcome.task?.status ?? ''),
      'the last status seen is kept',
    );
    assert.ok(outcome.waitedMs >= 800 && outcome.waitedMs < 5000, `${outcome.waitedMs} ms`);
  });

  it('returns the API error (diagnosed) for an unknown task or a refused token', async () => {
    const unknown = await waitForCeTask(sonar(), 'AZunknownTask000000', { timeoutMs: 5000 });
    assert.equal(unknown.kind, 'error');
    assert.ok(unknown.kind === 'error' && unknown.error instanceof ApiError && unknown.error.status === 404);
    assert.match(unknown.kind === 'error' ? unknown.error.message : '', /analysis task AZunknownTask000000/);
    const refused = await waitForCeTask(
      sonar('squ_wrong0000000000000000000000000000000'),
      'AZunknownTask000000',
      { timeoutMs: 5000 },
    );
    assert.ok(refused.kind === 'error' && refused.error instanceof ApiError && refused.error.status === 401);
    assert.match(refused.kind === 'error' ? refused.error.message : '', /SONAR_TOKEN/);
  });

  it('returns an error naming the redirect when SONAR_HOST_URL is redirected, without following it', async () => {
    let requests = 0;
    const redirecting = createServer((_request, response) => {
      requests++;
      response.writeHead(301, { Location: 'https://sonar.example.com/api/ce/task?id=AZ1' }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = redirecting.address() as AddressInfo;
      const api = connectSonar({
        hostUrl: `http://127.0.0.1:${port}`,
        token: sandbox.demo.sonarToken,
        transport: { userAgent: 'crosscheck-test' },
      }).api;
      const outcome = await waitForCeTask(api, 'AZ1', { timeoutMs: 5000 });
      assert.equal(outcome.kind, 'error');
      assert.ok(outcome.kind === 'error' && outcome.error instanceof CrosscheckError);
      assert.match(
        outcome.kind === 'error' ? outcome.error.message : '',
        /SonarQube redirected GET analysis task AZ1 to sonar\.example\.com \(301\)/,
      );
      assert.match(
        outcome.kind === 'error' ? (outcome.error.hint ?? '') : '',
        /If https:\/\/sonar\.example\.com is the right server, use it as the base URL/,
      );
      assert.equal(requests, 1, 'asked once, and the redirect was not followed');
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it('polls at 0.5 s first, then ever more sparsely, never more than 5 s apart', () => {
    assert.equal(pollDelayMs(0), FIRST_POLL_MS);
    let elapsed = 0;
    let previous = 0;
    let polls = 0;
    while (elapsed < 8000) {
      const delay = pollDelayMs(elapsed);
      assert.ok(delay >= previous, 'intervals never shrink');
      previous = delay;
      elapsed += delay;
      polls++;
    }
    assert.ok(
      polls <= 11 && elapsed - 8000 <= 1300,
      `an 8 s task is seen after ${polls} polls, ${elapsed - 8000} ms late at worst`,
    );
    assert.equal(pollDelayMs(10 * 60_000), LONGEST_POLL_INTERVAL_MS);
  });
});
