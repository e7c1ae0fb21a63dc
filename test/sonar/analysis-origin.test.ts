// Whether an analysis is the one the gate reports on: project, pull request or branch, and commit.
import assert from 'node:assert/strict';
import { type ExpectedAnalysis, revisionCheck, taskMismatch } from '../../src/core/sonar/analysis-origin';
import type { CeTask } from '../../src/core/sonar/types';

const COMMIT = 'a'.repeat(40);
const task = (fields: Partial<CeTask>): CeTask => ({ id: 'AZtask', status: 'SUCCESS', ...fields });
const pr: ExpectedAnalysis = { projectKey: 'web-app', pullRequest: '7', commit: COMMIT };
const branch: ExpectedAnalysis = { projectKey: 'web-app', branch: 'develop', commit: COMMIT };

describe('analysis origin', () => {
  it('accepts the task of the expected project and pull request, or branch (main when it names none)', () => {
    assert.equal(taskMismatch(task({ componentKey: 'web-app', pullRequest: '7' }), pr), undefined);
    assert.equal(taskMismatch(task({ componentKey: 'web-app', branch: 'develop' }), branch), undefined);
    assert.equal(taskMismatch(task({ componentKey: 'web-app' }), branch), undefined);
  });

  it('names what does not match', () => {
    assert.equal(
      taskMismatch(task({ componentKey: 'billing', pullRequest: '7' }), pr),
      'analysis task AZtask is of project "billing", not "web-app"',
    );
    assert.match(taskMismatch(task({ pullRequest: '7' }), pr) ?? '', /did not say which project/);
    assert.equal(
      taskMismatch(task({ componentKey: 'web-app' }), pr),
      'analysis task AZtask is of the main branch, not pull request 7',
    );
    assert.equal(
      taskMismatch(task({ componentKey: 'web-app', pullRequest: '8' }), branch),
      'analysis task AZtask is of pull request 8, not a branch',
    );
    assert.equal(
      taskMismatch(task({ componentKey: 'web-app', branch: 'main' }), branch),
      'analysis task AZtask is of branch main, not develop',
    );
  });

  it('compares the analysed revision when SonarQube reports one, and says when it cannot', () => {
    assert.deepEqual(revisionCheck({ key: 'AZa', revision: COMMIT.toUpperCase() }, pr), {});
    assert.deepEqual(revisionCheck({ key: 'AZa', revision: 'b'.repeat(40) }, pr), {
      mismatch: 'analysis AZa is of commit bbbbbbbbbbbb, not aaaaaaaaaaaa',
    });
    assert.match(revisionCheck({ key: 'AZa' }, pr).unchecked ?? '', /reported no revision/);
    assert.match(revisionCheck(undefined, pr).unchecked ?? '', /did not list the analysis/);
  });
});
