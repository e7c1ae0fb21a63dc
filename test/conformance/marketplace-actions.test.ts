// Real marketplace actions (vendored in test/fixtures/conformance, served from local git repositories) in the clones
// Bitbucket Pipelines makes, asserting what GitHub would do with each.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runAction, type ActionRunResult } from '../../src/runner/action-engine/action-runner';
import { RemoteActions } from '../../src/runner/action-engine/remote-actions';
import { NODE24, RecordingLog, minimalEnv } from '../actions/recording-log';
import { GitFixtureHost } from '../support/git-server';
import { BitbucketRepository, git } from './bitbucket-clone';

const CORPUS = path.resolve(__dirname, '../../../test/fixtures/conformance');

describe('marketplace actions in Bitbucket clones', function () {
  // Real actions start git many times; a loaded machine is slow.
  this.timeout(120_000);
  let host: GitFixtureHost;
  let repository: BitbucketRepository;
  let scratch: string;

  before(() => {
    host = new GitFixtureHost();
    const publish = (repo: string, tag: string) => {
      const [owner, name] = repo.split('/') as [string, string];
      host.commit(owner, name, [path.join(CORPUS, repo)], tag);
      host.tag(owner, name, tag);
    };
    publish('dorny/paths-filter', 'v3');
    publish('rlespinasse/github-slug-action', 'v4');
    publish('rlespinasse/slugify-value', 'v1.4.0');
    publish('rlespinasse/shortify-git-revision', 'v1.6.0');
    publish('nick-fields/retry', 'v4');
    publish('tj-actions/changed-files', 'v47');
    repository = new BitbucketRepository();
  });
  after(() => {
    host.dispose();
    repository.dispose();
  });
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'crosscheck-conformance-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  async function run(
    uses: string,
    variables: Record<string, string>,
    inputs: Record<string, string> = {},
  ): Promise<{ result: ActionRunResult; log: RecordingLog; event: Record<string, unknown> }> {
    const log = new RecordingLog();
    const env = minimalEnv({ HOME: scratch, ...variables });
    const result = await runAction({
      actionPath: uses,
      remoteActions: new RemoteActions({
        actionsUrl: host.fileUrl,
        cacheDirectory: path.join(scratch, 'actions'),
        env,
        progress: () => undefined,
      }),
      inputs,
      env,
      cwd: variables.BITBUCKET_CLONE_DIR ?? scratch,
      log,
      post: 'now',
      job: { directory: path.join(scratch, 'job'), source: 'CROSSCHECK_JOB_DIR' },
    });
    const event = JSON.parse(readFileSync(path.join(scratch, 'job', 'event.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    return { result, log, event };
  }

  const FILTERS = "src:\n  - 'src/**'\ndocs:\n  - 'docs/**'\nreadme:\n  - README.md\n";

  describe('dorny/paths-filter@v3', () => {
    it('in a PR pipeline: diffs against the destination commit, given in full (Bitbucket gives 12 characters)', async () => {
      const clone = repository.pullRequestClone();
      const { result, log, event } = await run(
        'dorny/paths-filter@v3',
        repository.pullRequestVariables(clone),
        { filters: FILTERS },
      );
      assert.equal(result.result, 'success', log.text());
      const pullRequest = event.pull_request as { base: { sha: string }; head: { sha: string } };
      assert.equal(pullRequest.base.sha, repository.commits.main);
      assert.equal(pullRequest.head.sha, repository.commits.feature);
      assert.equal(result.outputs.src, 'true');
      assert.equal(result.outputs.docs, 'true');
      assert.equal(result.outputs.readme, 'false');
      assert.deepEqual(JSON.parse(result.outputs.changes ?? ''), ['src', 'docs']);
      assert.deepEqual(
        result.annotations.filter((annotation) => annotation.level !== 'notice'),
        [],
        'no warning: GitHub would give none',
      );
    });

    it('in a push pipeline: finds the default branch through the remote and compares with its merge base', async () => {
      const clone = repository.pushClone('feature');
      // A single-branch clone tracks one branch: `git fetch origin main` then makes no origin/main, and paths-filter
      // fails (as it would on GitHub with such a clone). The README tells Pipelines users to widen it, as here.
      git(clone, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*');
      const { result, log, event } = await run(
        'dorny/paths-filter@v3',
        repository.pushVariables('feature', clone),
        { filters: FILTERS },
      );
      assert.equal(result.result, 'success', log.text());
      assert.equal((event.repository as { default_branch?: string }).default_branch, 'main');
      assert.equal(event.before, '0'.repeat(40));
      assert.deepEqual(JSON.parse(result.outputs.changes ?? ''), ['src', 'docs']);
      assert.match(log.text(), /Changes will be detected between main and feature/);
    });

    it('gives head_commit as GitHub does, from git in the clone', async () => {
      const clone = repository.pushClone('feature');
      const { event } = await run('dorny/paths-filter@v3', repository.pushVariables('feature', clone), {
        filters: FILTERS,
      });
      const head = event.head_commit as Record<string, unknown>;
      assert.equal(head.id, repository.commits.feature);
      assert.equal(head.tree_id, git(clone, 'rev-parse', `${repository.commits.feature}^{tree}`));
      assert.equal(head.message, 'Add the feature\n\nWith a guide.');
      assert.match(String(head.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      assert.deepEqual(head.author, { name: 'Ada Lovelace', email: 'ada@example.com' });
      assert.deepEqual(head.committer, { name: 'Bitbucket', email: 'noreply@bitbucket.org' });
      assert.equal(head.url, `http://bitbucket.org/acme/web-app/commits/${repository.commits.feature}`);
    });
  });

  describe('rlespinasse/github-slug-action@v4 (composite, nested remote actions)', () => {
    it('in a PR pipeline: exports the slugs and short SHAs GitHub would, and names composite steps', async () => {
      const clone = repository.pullRequestClone();
      const { result, log } = await run(
        'rlespinasse/github-slug-action@v4',
        repository.pullRequestVariables(clone),
      );
      assert.equal(result.result, 'success', log.text());
      const exported = Object.fromEntries(result.exported.env);
      assert.equal(exported.GITHUB_REPOSITORY_SLUG, 'acme-web-app');
      assert.equal(exported.GITHUB_REF_SLUG, '7-merge');
      assert.equal(exported.GITHUB_HEAD_REF_SLUG, 'feature');
      assert.equal(exported.GITHUB_BASE_REF_SLUG, 'main');
      assert.equal(exported.GITHUB_REF_NAME_SLUG, 'feature');
      assert.equal(exported.GITHUB_REPOSITORY_OWNER_PART_SLUG, 'acme');
      assert.equal(
        exported.GITHUB_EVENT_PULL_REQUEST_HEAD_SHA_SHORT,
        git(clone, 'rev-parse', '--short', repository.commits.feature),
      );
      assert.equal(exported.GITHUB_EVENT_PULL_REQUEST_HEAD_SHA, repository.commits.feature);
      assert.deepEqual(
        result.annotations.filter((annotation) => annotation.level !== 'notice'),
        [],
      );
    });
  });

  describe('nick-fields/retry@v4 (node24)', () => {
    // Its shortest wait: a 1 s poll per attempt and 1 s between attempts (0 means its default, 10 s).
    const RETRY = { timeout_seconds: '30', retry_wait_seconds: '1', polling_interval_seconds: '1' };

    it('in a push pipeline: retries a failing command in the workspace and succeeds on the second attempt', async () => {
      const clone = repository.pushClone('feature');
      const { result, log } = await run(
        'nick-fields/retry@v4',
        // A Node.js 20 step image: the node24 action runs on CROSSCHECK_NODE.
        { ...repository.pushVariables('feature', clone), CROSSCHECK_NODE: NODE24 },
        {
          ...RETRY,
          max_attempts: '3',
          command:
            'echo "attempt on $(git rev-parse --abbrev-ref HEAD)" >> attempts.log; [ "$(wc -l < attempts.log)" -ge 2 ] || exit 3',
        },
      );
      assert.equal(result.result, 'success', log.text());
      assert.equal(result.outputs.total_attempts, '2');
      assert.equal(result.outputs.exit_code, '0');
      assert.equal(result.outputs.exit_error, undefined);
      assert.equal(
        readFileSync(path.join(clone, 'attempts.log'), 'utf8'),
        'attempt on feature\nattempt on feature\n',
      );
      assert.match(log.text(), /Command completed after 2 attempt\(s\)\./);
      assert.deepEqual(
        result.annotations.map(({ level, message }) => ({ level, message })),
        [{ level: 'warning', message: 'Attempt 1 failed. Reason: Child_process exited with error code 3' }],
      );
    });

    it('in a PR pipeline: gives up after max_attempts with the exit code, total_attempts and exit_error outputs', async () => {
      const clone = repository.pullRequestClone();
      const { result, log } = await run(
        'nick-fields/retry@v4',
        { ...repository.pullRequestVariables(clone), CROSSCHECK_NODE: NODE24 },
        {
          ...RETRY,
          max_attempts: '2',
          command: 'echo "into $GITHUB_BASE_REF from $GITHUB_HEAD_REF"; exit 7',
        },
      );
      assert.equal(result.result, 'failure', log.text());
      assert.equal(result.exitCode, 7);
      assert.equal(log.text().match(/into main from feature/g)?.length, 2, log.text());
      assert.deepEqual(
        { ...result.outputs },
        {
          total_attempts: '2',
          exit_code: '7',
          exit_error: 'Final attempt failed. Child_process exited with error code 7',
        },
      );
      assert.deepEqual(
        result.annotations.map(({ level, message }) => ({ level, message })),
        [
          { level: 'warning', message: 'Attempt 1 failed. Reason: Child_process exited with error code 7' },
          { level: 'error', message: 'Final attempt failed. Child_process exited with error code 7' },
        ],
      );
    });
  });

  describe('tj-actions/changed-files@v47 (node24)', () => {
    it("in a PR pipeline: the pull request's files, diffed with git against the destination commit given in full", async () => {
      const clone = repository.pullRequestClone();
      const { result, log } = await run(
        'tj-actions/changed-files@v47',
        { ...repository.pullRequestVariables(clone), CROSSCHECK_NODE: NODE24 },
        { files: 'src/**' },
      );
      assert.equal(result.result, 'success', log.text());
      assert.match(log.text(), /Using local \.git directory/);
      assert.match(
        log.text(),
        new RegExp(
          `Retrieving changes between ${repository.commits.main} \\(main\\) → ${repository.commits.feature} \\(feature\\)`,
        ),
      );
      assert.equal(result.outputs.any_changed, 'true');
      assert.equal(result.outputs.all_changed_files, 'src/feature.ts');
      assert.equal(result.outputs.other_changed_files, 'docs/guide.md');
      assert.equal(result.outputs.any_deleted, 'false');
      assert.deepEqual(
        result.annotations.filter((annotation) => annotation.level !== 'notice'),
        [],
      );
    });

    it("in a push pipeline: the last commit's files, as for a new branch on GitHub (Pipelines gives no before)", async () => {
      const clone = repository.pushClone('feature');
      const { result, log } = await run(
        'tj-actions/changed-files@v47',
        { ...repository.pushVariables('feature', clone), CROSSCHECK_NODE: NODE24 },
        {},
      );
      assert.equal(result.result, 'success', log.text());
      assert.match(
        log.text(),
        new RegExp(
          `Retrieving changes between ${git(clone, 'rev-parse', 'HEAD^')} \\(feature\\) → ${repository.commits.feature} \\(feature\\)`,
        ),
      );
      assert.equal(result.outputs.all_changed_files, 'docs/guide.md src/feature.ts');
      assert.equal(result.outputs.added_files_count, '2');
      assert.equal(result.outputs.modified_files, '');
      assert.deepEqual(
        result.annotations.filter((annotation) => annotation.level !== 'notice'),
        [],
      );
    });
  });
});
