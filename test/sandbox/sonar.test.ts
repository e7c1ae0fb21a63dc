// Sandbox SonarQube over real HTTP: token auth, Compute Engine task lifecycle, quality gate status, issue search paging.
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { basic, bearer, call, waitFor } from './http-client';

function parseReportTask(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('sandbox SonarQube', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('accepts the token as Bearer or as Basic user with an empty password, and nothing else', async () => {
    const { ceTaskId } = sb.sonar.submitAnalysis({ projectKey: 'web-app', processingMs: 0 });
    const path = `/sonar/api/ce/task?id=${ceTaskId}`;
    assert.equal((await call(sb, 'GET', path, { auth: bearer(sb.demo.sonarToken) })).status, 200);
    assert.equal((await call(sb, 'GET', path, { auth: basic(sb.demo.sonarToken, '') })).status, 200);
    assert.equal((await call(sb, 'GET', path, { auth: basic(sb.demo.sonarToken, 'password') })).status, 401);
    assert.equal((await call(sb, 'GET', path, { auth: bearer('squ_wrong') })).status, 401);
    assert.equal((await call(sb, 'GET', path)).status, 401);
    const validate = await call(sb, 'GET', '/sonar/api/authentication/validate', {
      auth: bearer('squ_wrong'),
    });
    assert.deepEqual(validate.json, { valid: false });
  });

  it('walks a task from PENDING to SUCCESS; analysisId only on SUCCESS', async () => {
    const { ceTaskId, reportTask } = sb.sonar.submitAnalysis({
      projectKey: 'web-app',
      pullRequest: '7',
      processingMs: 300,
    });
    const props = parseReportTask(reportTask);
    assert.equal(props.projectKey, 'web-app');
    assert.equal(props.serverUrl, sb.sonarUrl);
    assert.equal(props.ceTaskId, ceTaskId);
    assert.equal(props.ceTaskUrl, `${sb.sonarUrl}/api/ce/task?id=${ceTaskId}`);
    assert.equal(props.dashboardUrl, `${sb.sonarUrl}/dashboard?id=web-app&pullRequest=7`);
    assert.ok(props.serverVersion);
    const auth = bearer(sb.demo.sonarToken);
    const { ceTaskUrl } = props;
    assert.ok(ceTaskUrl);
    const first = await call(sb, 'GET', ceTaskUrl, { auth });
    assert.equal(first.json.task.status, 'PENDING');
    assert.equal(first.json.task.analysisId, undefined);
    assert.equal(sb.sonar.completedAt(ceTaskId), undefined);
    const statuses: string[] = [];
    const done = await waitFor(async () => {
      const r = await call(sb, 'GET', ceTaskUrl, { auth });
      statuses.push(r.json.task.status);
      if (r.json.task.status !== 'SUCCESS') assert.equal(r.json.task.analysisId, undefined);
      return r.json.task.status === 'SUCCESS' ? r.json.task : undefined;
    });
    assert.ok(statuses.includes('IN_PROGRESS'));
    assert.equal(done.componentKey, 'web-app');
    assert.equal(done.pullRequest, '7');
    assert.equal(typeof done.analysisId, 'string');
    assert.equal(sb.sonar.ceTaskCalls(ceTaskId), statuses.length + 1);
    const completed = sb.sonar.completedAt(ceTaskId);
    assert.ok(completed !== undefined && completed <= Date.now());
    const missing = await call(sb, 'GET', '/sonar/api/ce/task?id=AZnope', { auth });
    assert.equal(missing.status, 404);
    assert.equal(typeof missing.json.errors[0].msg, 'string');
  });

  it('tells whose analysis a task is (componentKey, pullRequest or branch) and lists its revision among the analyses', async () => {
    const auth = bearer(sb.demo.sonarToken);
    const revision = 'c0ffee'.padEnd(40, '0');
    const pr = sb.sonar.submitAnalysis({
      projectKey: 'web-app',
      pullRequest: '7',
      processingMs: 0,
      revision,
    });
    const branch = sb.sonar.submitAnalysis({ projectKey: 'web-app', branch: 'develop', processingMs: 0 });
    const prTask = (await call(sb, 'GET', `/sonar/api/ce/task?id=${pr.ceTaskId}`, { auth })).json.task;
    assert.equal(prTask.componentKey, 'web-app');
    assert.equal(prTask.pullRequest, '7');
    assert.equal(prTask.branch, undefined);
    const branchTask = (await call(sb, 'GET', `/sonar/api/ce/task?id=${branch.ceTaskId}`, { auth })).json
      .task;
    assert.deepEqual([branchTask.branch, branchTask.branchType], ['develop', 'BRANCH']);
    // api/ce/task does not carry the revision (as SonarQube documents it); api/project_analyses/search does.
    assert.equal(prTask.revision, undefined);
    const analyses = await call(
      sb,
      'GET',
      '/sonar/api/project_analyses/search?project=web-app&pullRequest=7',
      {
        auth,
      },
    );
    assert.equal(analyses.status, 200);
    assert.deepEqual(
      analyses.json.analyses.map((analysis: { key: string; revision?: string }) => [
        analysis.key,
        analysis.revision,
      ]),
      [[prTask.analysisId, revision]],
    );
    const onBranch = await call(
      sb,
      'GET',
      '/sonar/api/project_analyses/search?project=web-app&branch=develop',
      {
        auth,
      },
    );
    assert.equal(onBranch.json.analyses[0].revision, undefined, 'no revision when the scanner sent none');
    assert.equal(
      (await call(sb, 'GET', '/sonar/api/project_analyses/search?project=nope', { auth })).status,
      404,
    );
  });

  it('reports a FAILED task with an errorMessage', async () => {
    const { ceTaskId } = sb.sonar.submitAnalysis({
      projectKey: 'web-app',
      processingMs: 0,
      outcome: 'FAILED',
    });
    const r = await call(sb, 'GET', `/sonar/api/ce/task?id=${ceTaskId}`, {
      auth: bearer(sb.demo.sonarToken),
    });
    assert.equal(r.json.task.status, 'FAILED');
    assert.equal(typeof r.json.task.errorMessage, 'string');
    assert.equal(r.json.task.analysisId, undefined);
  });

  it('answers the quality gate of an analysis', async () => {
    const auth = bearer(sb.demo.sonarToken);
    const failing = sb.sonar.submitAnalysis({
      projectKey: 'web-app',
      pullRequest: '7',
      processingMs: 0,
      gate: { status: 'ERROR' },
    });
    const task = await call(sb, 'GET', `/sonar/api/ce/task?id=${failing.ceTaskId}`, { auth });
    const gate = await call(
      sb,
      'GET',
      `/sonar/api/qualitygates/project_status?analysisId=${task.json.task.analysisId}`,
      { auth },
    );
    assert.equal(gate.status, 200);
    assert.equal(gate.json.projectStatus.status, 'ERROR');
    assert.deepEqual(gate.json.projectStatus.conditions[0], {
      status: 'ERROR',
      metricKey: 'new_coverage',
      comparator: 'LT',
      errorThreshold: '80',
      actualValue: '62.5',
    });
    const custom = sb.sonar.submitAnalysis({
      projectKey: 'web-app',
      processingMs: 0,
      gate: {
        status: 'OK',
        conditions: [{ metricKey: 'new_bugs', comparator: 'GT', errorThreshold: '0', actualValue: '0' }],
      },
    });
    const customTask = await call(sb, 'GET', `/sonar/api/ce/task?id=${custom.ceTaskId}`, { auth });
    const ok = await call(
      sb,
      'GET',
      `/sonar/api/qualitygates/project_status?analysisId=${customTask.json.task.analysisId}`,
      { auth },
    );
    assert.equal(ok.json.projectStatus.status, 'OK');
    assert.equal(ok.json.projectStatus.conditions[0].status, 'OK');
    const unknown = await call(sb, 'GET', '/sonar/api/qualitygates/project_status?analysisId=AZunknown', {
      auth,
    });
    assert.equal(unknown.status, 404);
    assert.equal(typeof unknown.json.errors[0].msg, 'string');
  });

  it('pages issues of a pull request analysis and limits ps to 500', async () => {
    const auth = bearer(sb.demo.sonarToken);
    sb.sonar.submitAnalysis({ projectKey: 'web-app', pullRequest: '7', processingMs: 0, issues: 7 });
    const search = (query: string) =>
      call(
        sb,
        'GET',
        `/sonar/api/issues/search?componentKeys=web-app&pullRequest=7&resolved=false&${query}`,
        { auth },
      );
    const all = await search('ps=500');
    assert.equal(all.json.total, 7);
    assert.equal(all.json.paging.total, 7);
    assert.equal(all.json.issues.length, 7);
    for (const issue of all.json.issues) {
      assert.match(issue.component, /^web-app:src\/.+\.tsx?$/);
      assert.ok(issue.key && issue.rule && issue.severity && issue.message && issue.type);
      assert.equal(issue.textRange.startLine, issue.line);
    }
    const last = await search('ps=3&p=3');
    assert.equal(last.json.issues.length, 1);
    assert.deepEqual(last.json.paging, { pageIndex: 3, pageSize: 3, total: 7 });
    assert.equal((await search('ps=501')).status, 400);
    const otherPr = await call(sb, 'GET', '/sonar/api/issues/search?componentKeys=web-app&pullRequest=8', {
      auth,
    });
    assert.equal(otherPr.status, 404);
  });
});
