// GitHub's own hello-world JavaScript action (ESM, @actions/core and @actions/github bundled, node24) in the clones
// Bitbucket Pipelines makes: the action bench/action-run.ts times.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runAction } from '../../src/runner/action-engine/action-runner';
import { RemoteActions } from '../../src/runner/action-engine/remote-actions';
import { NODE24, RecordingLog, minimalEnv } from '../actions/recording-log';
import { GitFixtureHost } from '../support/git-server';
import { BitbucketRepository } from './bitbucket-clone';

const ACTION = path.resolve(
  __dirname,
  '../../../test/fixtures/conformance/actions/hello-world-javascript-action',
);

describe('actions/hello-world-javascript-action in Bitbucket clones', function () {
  this.timeout(120_000);
  let host: GitFixtureHost;
  let repository: BitbucketRepository;
  let scratch: string;

  before(() => {
    host = new GitFixtureHost();
    host.commit('actions', 'hello-world-javascript-action', [ACTION], 'main');
    repository = new BitbucketRepository();
  });
  after(() => {
    host.dispose();
    repository.dispose();
  });
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'crosscheck-hello-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  for (const kind of ['push', 'pull-request'] as const) {
    it(`greets, sets the time output and prints GitHub's ${kind === 'push' ? 'push' : 'pull_request'} payload with full SHAs`, async () => {
      const clone = kind === 'push' ? repository.pushClone('feature') : repository.pullRequestClone();
      const variables =
        kind === 'push' ? repository.pushVariables('feature', clone) : repository.pullRequestVariables(clone);
      const log = new RecordingLog();
      const env = minimalEnv({ HOME: scratch, ...variables });
      const result = await runAction({
        actionPath: 'actions/hello-world-javascript-action@main',
        remoteActions: new RemoteActions({
          actionsUrl: host.fileUrl,
          cacheDirectory: path.join(scratch, 'actions'),
          env,
          progress: () => undefined,
        }),
        inputs: { 'who-to-greet': 'Bitbucket' },
        env,
        cwd: clone,
        log,
        node: NODE24,
        post: 'now',
        job: { directory: path.join(scratch, 'job'), source: 'CROSSCHECK_JOB_DIR' },
      });
      assert.equal(result.result, 'success', log.text());
      assert.match(log.text(), /Hello, Bitbucket!/);
      // `new Date().toTimeString()`, written with core.setOutput through $GITHUB_OUTPUT.
      assert.match(result.outputs.time ?? '', /^\d\d:\d\d:\d\d GMT[+-]\d{4}/);
      const output = log.text().replace(/^stdout: /gm, '');
      const printed = /The event payload: (\{[\s\S]*?\n\})\n/.exec(output);
      assert.ok(printed, log.text());
      const payload = JSON.parse(printed[1]!) as Record<string, unknown>;
      if (kind === 'push') {
        assert.equal(payload.after, repository.commits.feature);
        assert.equal((payload.head_commit as { id: string }).id, repository.commits.feature);
        assert.equal(payload.ref, 'refs/heads/feature');
      } else {
        const pullRequest = payload.pull_request as { base: { sha: string }; head: { sha: string } };
        assert.equal(pullRequest.base.sha, repository.commits.main);
        assert.equal(pullRequest.head.sha, repository.commits.feature);
      }
      assert.deepEqual(
        result.annotations.filter((annotation) => annotation.level !== 'notice'),
        [],
        log.text(),
      );
    });
  }
});
