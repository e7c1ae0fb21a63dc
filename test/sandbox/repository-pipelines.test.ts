// The sandbox playing a pushed repository's bitbucket-pipelines.yml: which pipeline a push or pull request selects, parallel groups, fail-fast, merge conflicts, push scopes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineRun, Sandbox } from '../../src/sandbox';
import { bestMatch, selectPipeline } from '../../src/sandbox/pipeline-plan';
import { sandboxGit } from '../support/sandbox-git';
import { useSandbox } from '../support/sandbox-suite';
import { basic, call, waitFor } from './http-client';

const REPO = 'acme/pushed';

const YML = `
pipelines:
  default:
    - step:
        name: default step
        script:
          - echo "default on $BITBUCKET_BRANCH"
  branches:
    main:
      - step:
          name: build
          script:
            - mkdir -p out && echo built > out/a.txt
          artifacts: [out/a.txt]
      - parallel:
          - step:
              name: left
              script:
                - touch "$MEETING/started-$BITBUCKET_PARALLEL_STEP"
                - for i in $(seq 200); do [ -e "$MEETING/started-1" ] && break; sleep 0.1; done
                - echo "left sees a=$(cat out/a.txt) right=$(cat out/right.txt 2>/dev/null || echo absent) index=$BITBUCKET_PARALLEL_STEP of $BITBUCKET_PARALLEL_STEP_COUNT"
                - echo left > out/left.txt
              artifacts: [out/left.txt]
          - step:
              name: right
              script:
                - touch "$MEETING/started-$BITBUCKET_PARALLEL_STEP"
                - for i in $(seq 200); do [ -e "$MEETING/started-0" ] && break; sleep 0.1; done
                - echo "right met left=$([ -e "$MEETING/started-0" ] && echo yes)"
                - echo right > out/right.txt
              artifacts: [out/right.txt]
      - step:
          name: after
          script:
            - echo "after sees $(cat out/a.txt) $(cat out/left.txt) $(cat out/right.txt)"
    'slow/*':
      - parallel:
          - step:
              name: fails
              script:
                - "false"
          - step:
              name: finishes
              script:
                - sleep 1
                - echo finished anyway
      - step:
          name: never
          script:
            - echo never
    'fast/**':
      - parallel:
          fail-fast: true
          steps:
            - step:
                name: fails
                script:
                  - sleep 0.5
                  - "false"
            - step:
                name: stopped
                script:
                  - sleep 60
  pull-requests:
    'feature/*':
      - step:
          name: pr
          script:
            - echo "pr $BITBUCKET_PR_ID into $BITBUCKET_PR_DESTINATION_BRANCH at $BITBUCKET_PR_DESTINATION_COMMIT, commit $BITBUCKET_COMMIT"
            - git log -1 --format='parents %P'
            - cat base.txt
`;

describe('sandbox repository pipelines (a pushed bitbucket-pipelines.yml, played as Pipelines selects it)', function () {
  this.timeout(90_000);
  const meeting = mkdtempSync(join(tmpdir(), 'crosscheck-meeting-'));
  const tree = mkdtempSync(join(tmpdir(), 'crosscheck-pushed-tree-'));
  after(() => {
    rmSync(meeting, { recursive: true, force: true });
    rmSync(tree, { recursive: true, force: true });
  });
  const suite = useSandbox({
    repositoryPipelines: { repositoryVariables: { [REPO]: [{ key: 'MEETING', value: meeting }] } },
  });

  const git = (auth: string, ...args: string[]) => sandboxGit(tree, auth, ...args);
  const demo = (sb: Sandbox) => basic(sb.demo.email, sb.demo.apiToken);

  async function settled(sb: Sandbox, pick: (run: PipelineRun) => boolean): Promise<PipelineRun> {
    return waitFor(() => {
      const found = sb.pipelines(REPO).find(pick);
      return found?.state === 'COMPLETED' ? found : undefined;
    }, 60_000);
  }
  const logs = (found: PipelineRun) => found.steps.map((step) => `--- ${step.name}\n${step.log}`).join('\n');

  before(async () => {
    const sb = suite.sandbox;
    sb.addRepository(REPO);
    writeFileSync(join(tree, 'bitbucket-pipelines.yml'), YML);
    writeFileSync(join(tree, 'base.txt'), 'base\n');
    await git(demo(sb), 'init', '--quiet', '--initial-branch=main');
    await git(demo(sb), 'add', '--all');
    await git(demo(sb), 'commit', '--quiet', '-m', 'pipelines');
    await git(demo(sb), 'remote', 'add', 'origin', `${sb.gitUrl}/${REPO}.git`);
  });

  it('selects pipelines as Pipelines does: an exact branch name first, then the most specific pattern, else default', () => {
    assert.equal(
      bestMatch(['feature/*', 'feature/bb-123-fix-links'], 'feature/bb-123-fix-links'),
      'feature/bb-123-fix-links',
    );
    assert.equal(
      bestMatch(['feature/bb-*', 'feature/bb-123-*'], 'feature/bb-123-fix-links'),
      'feature/bb-123-*',
    );
    assert.equal(bestMatch(['feature/*'], 'feature/a/b'), undefined, '* stops at /');
    assert.equal(bestMatch(['feature/**'], 'feature/a/b'), 'feature/**');
    assert.equal(bestMatch(['{main,develop}'], 'develop'), '{main,develop}');
    assert.equal(bestMatch(['release-?'], 'release-10'), undefined);
    assert.deepEqual(selectPipeline(YML, { kind: 'branch', branch: 'topic' }), { section: 'default' });
    assert.deepEqual(selectPipeline(YML, { kind: 'branch', branch: 'slow/x' }), {
      section: 'branches',
      pattern: 'slow/*',
    });
    assert.equal(
      selectPipeline(YML, { kind: 'pull-request', source: 'topic' }),
      undefined,
      'no default for PRs',
    );
    assert.equal(selectPipeline(YML, { kind: 'custom', pattern: 'nope' }), undefined);
  });

  it('refuses a push from a token without write:repository, and runs nothing for it', async () => {
    const sb = suite.sandbox;
    const reader = sb.addApiToken({ email: sb.demo.email, scopes: ['read:repository:bitbucket'] });
    await assert.rejects(
      git(basic(sb.demo.email, reader), 'push', '--quiet', 'origin', 'main'),
      /write:repository|403/,
    );
    assert.equal(sb.pipelines(REPO).length, 0);
  });

  it('runs a parallel group together, each step in its own clone: artifacts of earlier steps only, all of them after the group', async () => {
    const sb = suite.sandbox;
    await git(demo(sb), 'push', '--quiet', 'origin', 'main');
    const main = await settled(sb, (found) => found.refName === 'main');
    assert.equal(main.result, 'SUCCESSFUL', logs(main));
    assert.equal(main.trigger, 'PUSH');
    assert.deepEqual(main.selector, { type: 'branches', pattern: 'main' });
    const [, left, right, last] = main.steps;
    assert.match(left!.log, /^left sees a=built right=absent index=0 of 2$/m);
    assert.match(right!.log, /^right met left=yes$/m, 'both steps of the group ran at the same time');
    assert.match(last!.log, /^after sees built left right$/m);
  });

  it('fails the run after the whole group when a step fails; with fail-fast the others are stopped at once', async () => {
    const sb = suite.sandbox;
    await git(demo(sb), 'push', '--quiet', 'origin', 'main:slow/one', 'main:fast/a/b', 'main:topic');
    const slow = await settled(sb, (found) => found.refName === 'slow/one');
    assert.equal(slow.result, 'FAILED');
    assert.deepEqual(
      slow.steps.map((step) => [step.name, step.result]),
      [
        ['fails', 'FAILED'],
        ['finishes', 'SUCCESSFUL'],
        ['never', 'NOT_RUN'],
      ],
    );
    const started = Date.now();
    const fast = await settled(sb, (found) => found.refName === 'fast/a/b');
    assert.ok(Date.now() - started < 30_000, 'the sleeping step did not run its 60 s');
    assert.equal(fast.result, 'FAILED');
    assert.deepEqual(
      fast.steps.map((step) => [step.name, step.result]),
      [
        ['fails', 'FAILED'],
        ['stopped', 'STOPPED'],
      ],
    );
    assert.match(fast.steps[1]!.log, /Stopped: fails failed and the group fails fast/);
    await git(demo(sb), 'commit', '--quiet', '--allow-empty', '-m', 'docs only [skip ci]');
    await git(demo(sb), 'push', '--quiet', 'origin', 'HEAD:skipped');
    const topic = await settled(sb, (found) => found.refName === 'topic');
    assert.deepEqual(topic.selector, { type: 'default' });
    assert.match(topic.steps[0]!.log, /^default on topic$/m);
    assert.equal(sb.pipelines(REPO).filter((found) => found.refName === 'skipped').length, 0, '[skip ci]');
    await git(demo(sb), 'reset', '--quiet', '--hard', 'HEAD~1');
  });

  it("runs a pull request's pipeline on its source merged with the destination; a conflict stops it", async () => {
    const sb = suite.sandbox;
    await git(demo(sb), 'checkout', '--quiet', '-b', 'feature/clean');
    writeFileSync(join(tree, 'login.txt'), 'login\n');
    await git(demo(sb), 'add', '--all');
    await git(demo(sb), 'commit', '--quiet', '-m', 'login');
    await git(demo(sb), 'checkout', '--quiet', '-b', 'feature/conflict', 'main');
    writeFileSync(join(tree, 'base.txt'), 'from the feature\n');
    await git(demo(sb), 'commit', '--quiet', '-am', 'feature base');
    await git(demo(sb), 'checkout', '--quiet', 'main');
    writeFileSync(join(tree, 'base.txt'), 'from main\n');
    await git(demo(sb), 'commit', '--quiet', '-am', 'main base');
    await git(demo(sb), 'push', '--quiet', 'origin', 'main', 'feature/clean', 'feature/conflict');
    const destination = await git(demo(sb), 'rev-parse', 'main');
    const source = await git(demo(sb), 'rev-parse', 'feature/clean');
    const id = sb.openPullRequest(REPO, { source: 'feature/clean', destination: 'main' });
    const clean = await settled(sb, (found) => found.pullRequest?.id === id);
    assert.equal(clean.result, 'SUCCESSFUL', logs(clean));
    assert.deepEqual(clean.selector, { type: 'pull-requests', pattern: 'feature/*' });
    const log = clean.steps[0]!.log;
    assert.match(
      log,
      new RegExp(`^pr ${id} into main at ${destination.slice(0, 12)}, commit ${source}$`, 'm'),
    );
    assert.match(log, new RegExp(`^parents ${source} ${destination}$`, 'm'), 'HEAD merges the destination');
    assert.match(log, /^from main$/m);

    // The control endpoint (what `crosscheck sandbox` users have) does the same.
    const opened = await call(sb, 'POST', '/_sandbox/pull-request', {
      body: { repo: REPO, source: 'feature/conflict', destination: 'main' },
    });
    assert.equal(opened.status, 201, opened.text);
    const conflicting = (opened.json as { id: number }).id;
    const stopped = await settled(sb, (found) => found.pullRequest?.id === conflicting);
    assert.equal(stopped.result, 'FAILED');
    assert.match(stopped.steps[0]!.log, /could not be merged/);
    assert.doesNotMatch(stopped.steps[0]!.log, /^pr /m);

    // The API's "trigger a pull request pipeline": the same run, started by hand.
    const target = (selector: Record<string, string>, prId: string) => ({
      target: {
        type: 'pipeline_pullrequest_target',
        source: 'feature/clean',
        destination: 'main',
        pullrequest: { id: prId },
        selector,
      },
    });
    const path = `/2.0/repositories/${REPO}/pipelines/`;
    const auth = demo(sb);
    const wrongSelector = await call(sb, 'POST', path, {
      auth,
      body: target({ type: 'custom', pattern: 'feature/*' }, String(id)),
    });
    assert.equal(wrongSelector.status, 400, wrongSelector.text);
    const wrongId = await call(sb, 'POST', path, {
      auth,
      body: target({ type: 'pull-requests', pattern: 'feature/*' }, String(conflicting)),
    });
    assert.equal(wrongId.status, 400, wrongId.text);
    assert.match(wrongId.text, /No open pull request/);
    const byHand = await call(sb, 'POST', path, {
      auth,
      body: target({ type: 'pull-requests', pattern: 'feature/*' }, String(id)),
    });
    assert.equal(byHand.status, 201, byHand.text);
    const manual = await settled(sb, (found) => found.uuid === (byHand.json as { uuid: string }).uuid);
    assert.equal(manual.result, 'SUCCESSFUL', logs(manual));
    assert.equal(manual.trigger, 'MANUAL');
    assert.deepEqual(manual.pullRequest, { id, destination: 'main', destinationCommit: destination });
    assert.match(manual.steps[0]!.log, new RegExp(`^pr ${id} into main at ${destination.slice(0, 12)}`, 'm'));
    assert.equal((byHand.json as { target: { type: string } }).target.type, 'pipeline_pullrequest_target');
  });
});
