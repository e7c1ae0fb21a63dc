// GitHub's branch filter patterns, and a pull request whose destination the workflow's on.pull_request filters out.
import assert from 'node:assert/strict';
import { matchesFilters, pullRequestFilteredOut } from '../../src/runner/workflow/trigger-filter';
import { readWorkflow } from '../../src/runner/workflow/workflow-model';

describe('pull_request branch filters', () => {
  it("matches GitHub's filter pattern cheat sheet: *, **, ? and ! in order", () => {
    assert.equal(matchesFilters('feature/login', ['feature/*']), true);
    assert.equal(matchesFilters('feature/a/b', ['feature/*']), false);
    assert.equal(matchesFilters('feature/a/b', ['feature/**']), true);
    assert.equal(matchesFilters('releases/10', ['releases/**', '!releases/**-alpha']), true);
    assert.equal(matchesFilters('releases/10-alpha', ['releases/**', '!releases/**-alpha']), false);
    assert.equal(matchesFilters('main.x', ['main']), false);
  });

  it('says why a pull request into another branch would not run the workflow; nothing without a filter', () => {
    const workflow = (on: string) =>
      readWorkflow('ci.yml', `on:\n${on}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: true\n`);
    const filtered = workflow('  pull_request:\n    branches: [main, "release/**"]');
    assert.equal(pullRequestFilteredOut(filtered, 'main'), undefined);
    assert.equal(pullRequestFilteredOut(filtered, 'release/1.2'), undefined);
    assert.match(
      pullRequestFilteredOut(filtered, 'develop') ?? '',
      /destination develop is not in on\.pull_request\.branches/,
    );
    assert.equal(pullRequestFilteredOut(filtered, undefined), undefined);
    assert.match(
      pullRequestFilteredOut(workflow('  pull_request:\n    branches-ignore: ["wip/*"]'), 'wip/x') ?? '',
      /is in on\.pull_request\.branches-ignore/,
    );
    assert.equal(pullRequestFilteredOut(workflow('  - push\n  - pull_request'), 'develop'), undefined);
  });
});
