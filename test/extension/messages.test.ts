// Output-channel lines and notification texts: request logs carry no secret, doctor summaries name the fix.
import * as assert from 'node:assert/strict';
import { runDoctor } from '../../src/core/doctor';
import type { HttpEvent } from '../../src/core/http/client';
import {
  describeHttpEvent,
  doctorReportLines,
  doctorSummary,
  finishedRunMessage,
} from '../../src/extension/view/messages';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { connectBitbucket } from '../../src/core/bitbucket/connection';
import { aRun } from './support/builders';
import { TRANSPORT } from './support/sandbox';
import { assertRequestsMatchOpenApi } from '../support/sandbox-suite';

describe('describeHttpEvent', () => {
  it('logs requests at debug, answers at info (warn from 400), retries at warn', () => {
    assert.deepEqual(
      describeHttpEvent({ type: 'request', method: 'GET', url: 'https://x/2.0/user', attempt: 2 }),
      {
        level: 'debug',
        line: '→ GET https://x/2.0/user (attempt 2)',
      },
    );
    assert.deepEqual(
      describeHttpEvent({ type: 'response', method: 'GET', url: 'https://x/2.0/user', status: 200, ms: 42 }),
      {
        level: 'info',
        line: '← 200 GET https://x/2.0/user (42 ms)',
      },
    );
    assert.equal(
      describeHttpEvent({ type: 'response', method: 'GET', url: 'u', status: 404, ms: 1 }).level,
      'warn',
    );
    assert.deepEqual(
      describeHttpEvent({
        type: 'retry',
        method: 'GET',
        url: 'u',
        reason: 'rate limited (429)',
        delayMs: 1500,
        attempt: 1,
        of: 3,
      }),
      { level: 'warn', line: '↻ GET u: rate limited (429); retrying in 1.5 s (attempt 1 of 3)' },
    );
  });

  describe('against the sandbox', () => {
    let sandbox: Sandbox;
    beforeEach(async () => (sandbox = await startSandbox()));
    afterEach(async () => {
      await sandbox.close();
      assertRequestsMatchOpenApi(sandbox);
    });

    it('never shows the token, even when a request fails', async () => {
      const events: HttpEvent[] = [];
      const connection = connectBitbucket({
        credentials: { email: sandbox.demo.email, apiToken: sandbox.demo.apiToken },
        apiUrl: sandbox.bitbucketApiUrl,
        transport: { ...TRANSPORT, onEvent: (event) => events.push(event) },
      });
      const report = await runDoctor(connection, { workspace: 'acme', slug: 'missing' });
      const logged = [
        ...events.map((event) => describeHttpEvent(event).line),
        ...doctorReportLines(report, 'Connection test:'),
      ].join('\n');
      assert.ok(events.length >= 4);
      assert.ok(!logged.includes(sandbox.demo.apiToken));
      assert.ok(
        !logged.includes(Buffer.from(`${sandbox.demo.email}:${sandbox.demo.apiToken}`).toString('base64')),
      );
      assert.match(logged, /← 404 GET .*\/repositories\/acme\/missing/);
      const summary = doctorSummary([report]);
      assert.equal(summary.ok, false);
      assert.match(
        summary.message,
        /Connection problem: read acme\/missing .*Not found: repository acme\/missing/,
      );
    });

    it('sums up a working connection with who it is', async () => {
      const connection = connectBitbucket({
        credentials: { email: sandbox.demo.email, apiToken: sandbox.demo.apiToken },
        apiUrl: sandbox.bitbucketApiUrl,
        transport: TRANSPORT,
      });
      const summary = doctorSummary([await runDoctor(connection, { workspace: 'acme', slug: 'web-app' })]);
      assert.deepEqual(summary, {
        ok: true,
        message: 'Bitbucket connection works (authenticated as Dana Developer).',
      });
    });
  });
});

describe('finishedRunMessage', () => {
  it('is an information for a success and an error for a failure or a run that posted nothing', () => {
    const finished = (state: 'SUCCESSFUL' | 'FAILED' | 'STOPPED' | undefined) => ({
      run: aRun({ finished: { at: 0, state, summary: 's' } }),
      summary: 'SonarQube successful on aaaaaaa',
    });
    assert.deepEqual(finishedRunMessage(finished('SUCCESSFUL')), {
      tone: 'info',
      message: 'Crosscheck (acme/web-app): SonarQube successful on aaaaaaa',
    });
    assert.equal(finishedRunMessage(finished('FAILED')).tone, 'error');
    assert.equal(finishedRunMessage(finished(undefined)).tone, 'error');
    assert.equal(finishedRunMessage(finished('STOPPED')).tone, 'warning');
  });
});
