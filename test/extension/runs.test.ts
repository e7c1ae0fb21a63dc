// Runs started from the workspace: remembered across reloads (JSON in workspace state), and when one counts as finished.
import * as assert from 'node:assert/strict';
import { RunTracker, runProgress, sameCommit } from '../../src/extension/model/runs';
import { aRun, aStatus, HEAD } from './support/builders';
import { MemoryMemento } from './support/memory-stores';

describe('runProgress', () => {
  const completed = (result: string) => ({
    uuid: aRun().uuid,
    build_number: 12,
    state: { name: 'COMPLETED', result: { name: result } },
  });

  it('is running while the status is INPROGRESS and the pipeline has not completed', () => {
    assert.deepEqual(
      runProgress(aRun(), aStatus({ state: 'INPROGRESS' }), {
        uuid: 'x',
        build_number: 12,
        state: { name: 'IN_PROGRESS' },
      }),
      { kind: 'running' },
    );
    assert.deepEqual(runProgress(aRun(), undefined, undefined), { kind: 'running' });
  });

  it('finishes with the posted state as soon as the status leaves INPROGRESS', () => {
    const progress = runProgress(aRun(), aStatus({ state: 'FAILED', description: 'Coverage 62.5% < 80%' }), {
      uuid: 'x',
      build_number: 12,
      state: { name: 'IN_PROGRESS' },
    });
    assert.deepEqual(progress, {
      kind: 'finished',
      state: 'FAILED',
      summary: 'SonarQube failed on aaaaaaa: Coverage 62.5% < 80%',
    });
  });

  it('finishes when the pipeline completed without posting, saying the status still blocks', () => {
    const progress = runProgress(aRun(), aStatus({ state: 'INPROGRESS' }), completed('ERROR'));
    assert.equal(progress.kind, 'finished');
    assert.equal(progress.kind === 'finished' && progress.state, undefined);
    assert.match(
      progress.kind === 'finished' ? progress.summary : '',
      /sonar-pr-check #12 ended ERROR; sonar is still INPROGRESS on aaaaaaa/,
    );
    const none = runProgress(aRun(), undefined, completed('STOPPED'));
    assert.match(none.kind === 'finished' ? none.summary : '', /ended STOPPED; no sonar status was posted/);
  });
});

describe('RunTracker', () => {
  it('finds the newest run of a commit, keeps twenty, and updates in place', async () => {
    const memento = new MemoryMemento();
    const tracker = new RunTracker(memento);
    for (let n = 1; n <= 22; n++) await tracker.add(aRun({ uuid: `{run-${n}}`, buildNumber: n }));
    assert.equal(tracker.all().length, 20);
    assert.equal(tracker.forCommit({ workspace: 'acme', slug: 'web-app' }, HEAD)?.buildNumber, 22);
    assert.equal(tracker.forCommit({ workspace: 'acme', slug: 'api-service' }, HEAD), undefined);
    assert.equal(tracker.forCommit({ workspace: 'acme', slug: 'web-app' }, 'b'.repeat(40)), undefined);

    const run = tracker.forCommit({ workspace: 'acme', slug: 'web-app' }, HEAD)!;
    run.finished = { at: 1, state: 'SUCCESSFUL', summary: 'done' };
    await tracker.update(run);
    // A new tracker over the same storage (a reload) sees it.
    assert.equal(
      new RunTracker(memento).forCommit({ workspace: 'acme', slug: 'web-app' }, HEAD)?.finished?.summary,
      'done',
    );
  });
});

describe('sameCommit', () => {
  it('matches a full hash with its abbreviations of at least 7 characters', () => {
    assert.equal(sameCommit(HEAD, HEAD.slice(0, 12)), true);
    assert.equal(sameCommit(HEAD.slice(0, 7).toUpperCase(), HEAD), true);
    assert.equal(sameCommit(HEAD, HEAD.slice(0, 6)), false);
    assert.equal(sameCommit(HEAD, 'b'.repeat(40)), false);
  });
});
