// Annotations → findings (severity, rule, link, source; hostile paths and links refused), their placement with the
// counts of what could not be placed, the loader's requests (pagination, only on change, the budget), the gate table.
import * as assert from 'node:assert';
import { connectBitbucket } from '../../src/core/bitbucket/connection';
import type { Annotation, Report } from '../../src/core';
import { gateReport } from '../../src/core/sonar/insights';
import { gateVerdict } from '../../src/core/sonar/gate';
import {
  describeUnplaced,
  findingsOf,
  placeFindings,
  repositoryPath,
  severityOf,
  webLink,
} from '../../src/extension/model/findings';
import { FindingsLoader, REPORTS_TTL_MS } from '../../src/extension/model/findings-loader';
import { findGateTable, gateTableOf } from '../../src/extension/model/gate-conditions';
import { RequestBudget } from '../../src/extension/model/request-budget';
import { seed } from '../../src/sandbox';
import { useSandbox } from '../support/sandbox-suite';
import { FakeClock } from './support/fake-clock';
import { connectTo, requestsSince, TRANSPORT } from './support/sandbox';

const report: Report = {
  uuid: '{r1}',
  external_id: 'sonar',
  title: 'SonarQube',
  updated_on: '2026-05-04T12:00:00Z',
};

describe('annotations as findings', () => {
  it('maps severity, rule, link and source; a passed annotation is a hint', () => {
    const annotations: Annotation[] = [
      {
        summary: 'Remove this unused variable',
        details: 'Rule typescript:S1481, severity MINOR.',
        severity: 'LOW',
        result: 'FAILED',
        path: 'src/app.ts',
        line: 12,
        link: 'https://sonar.example/project/issues?open=AX1',
        annotation_type: 'CODE_SMELL',
      },
      {
        summary: 'SQL injection',
        severity: 'CRITICAL',
        path: './src/db.ts',
        line: 3,
        annotation_type: 'VULNERABILITY',
      },
      { summary: 'Checked', severity: 'HIGH', result: 'PASSED', path: 'src/ok.ts' },
      { summary: 'Project-wide', annotation_type: 'BUG' },
    ];
    const read = findingsOf(report, annotations);
    assert.equal(read.withoutFile, 1);
    assert.deepEqual(read.findings, [
      {
        reportId: 'sonar',
        source: 'SonarQube',
        path: 'src/app.ts',
        line: 12,
        message: 'Remove this unused variable',
        severity: 'information',
        code: 'typescript:S1481',
        link: 'https://sonar.example/project/issues?open=AX1',
      },
      {
        reportId: 'sonar',
        source: 'SonarQube',
        path: 'src/db.ts',
        line: 3,
        message: 'SQL injection',
        severity: 'error',
        code: 'vulnerability',
        link: undefined,
      },
      {
        reportId: 'sonar',
        source: 'SonarQube',
        path: 'src/ok.ts',
        line: undefined,
        message: 'Checked',
        severity: 'hint',
        code: undefined,
        link: undefined,
      },
    ]);
    assert.equal(severityOf({ severity: 'MEDIUM' }), 'warning');
    assert.equal(severityOf({}), 'warning');
  });

  it('refuses paths outside the repository and links that are not web pages', () => {
    for (const hostile of [
      '../../etc/passwd',
      '/etc/passwd',
      'C:/Windows/win.ini',
      'src/../../x',
      'file:///x',
      '',
    ])
      assert.equal(repositoryPath(hostile), undefined, hostile);
    assert.equal(repositoryPath('src\\win\\a.ts'), 'src/win/a.ts');
    for (const hostile of [
      'command:workbench.action.terminal.sendSequence?%7B%7D',
      'javascript:alert(1)',
      'file:///etc',
    ])
      assert.equal(webLink(hostile), undefined, hostile);
  });

  it('places findings through the diff and unsaved edits, and counts what it cannot place, by reason', () => {
    const read = findingsOf(report, [
      { summary: 'a', path: 'src/app.ts', line: 5 },
      { summary: 'b', path: 'src/app.ts', line: 10 },
      { summary: 'c', path: 'src/old.ts', line: 2 },
      { summary: 'd', path: 'src/gone.ts', line: 1 },
      { summary: 'e', path: 'sub/project/x.ts', line: 1 },
      { summary: 'f', path: 'src/app.ts', line: 20 },
      { summary: 'g' },
    ]);
    const changes = [
      // Two lines inserted after line 2, line 10 changed.
      {
        oldPath: 'src/app.ts',
        newPath: 'src/app.ts',
        binary: false,
        hunks: [
          { oldStart: 2, oldCount: 0, newStart: 3, newCount: 2 },
          { oldStart: 10, oldCount: 1, newStart: 12, newCount: 1 },
        ],
      },
      { oldPath: 'src/old.ts', newPath: 'src/new.ts', binary: false, hunks: [] },
      { oldPath: 'src/gone.ts', newPath: undefined, binary: false, hunks: [] },
    ];
    const exists = (path: string) => path.startsWith('src/');
    // An unsaved line typed above line 22 (0-based 21) of src/app.ts.
    const edits = (path: string) =>
      path === 'src/app.ts'
        ? [{ startLine: 21, startCharacter: 0, endLine: 21, endCharacter: 0, text: 'x\n' }]
        : undefined;
    const placement = placeFindings([read], changes, exists, edits);
    assert.deepEqual(
      placement.placed.map((placed) => `${placed.finding.message} ${placed.path}:${placed.line}`),
      ['a src/app.ts:7', 'c src/new.ts:2', 'f src/app.ts:23'],
    );
    assert.deepEqual(placement.unplaced, {
      changed: 1,
      deleted: 1,
      missingFile: 1,
      withoutFile: 1,
      commitMissing: 0,
    });
    assert.equal(
      describeUnplaced(placement.unplaced),
      '4 findings not shown: 1 on lines changed since the analysed commit, 1 in files deleted since, 1 in files not in the working tree, 1 on no file',
    );
    const missing = placeFindings([read], undefined, exists);
    assert.equal(missing.placed.length, 0);
    assert.equal(missing.unplaced.commitMissing, 6);
  });
});

describe('findings loader (sandbox)', () => {
  const suite = useSandbox();
  const repo = { workspace: seed.workspace, slug: seed.webApp.slug };
  const commit = seed.webApp.pullRequest.sourceCommit;

  async function postReport(id: string, count: number, title = id) {
    const { api } = connectTo(suite.sandbox);
    await api.putReport(repo, commit, id, { title, details: 'x', report_type: 'BUG', result: 'FAILED' });
    await api.postAnnotations(
      repo,
      commit,
      id,
      Array.from({ length: count }, (_, index) => ({
        external_id: `${id}-${index}`,
        annotation_type: 'BUG' as const,
        summary: `${title} finding ${index}`,
        path: 'src/app.ts',
        line: index + 1,
        severity: 'HIGH' as const,
      })),
    );
  }

  it('reads annotations page by page, and again only when the report or the statuses change', async () => {
    await postReport('sonar', 120, 'SonarQube');
    await postReport('lint', 2, 'ESLint');
    const clock = new FakeClock();
    const loader = new FindingsLoader({ now: () => clock.now() });
    const { api } = connectTo(suite.sandbox);
    const target = { repo, commit, statusesKey: 'sonar:FAILED' };
    const all = { user: false, enabled: () => true };

    let since = suite.sandbox.requests.length;
    const first = await loader.load(api, target, all);
    assert.equal(first.kind, 'loaded');
    assert.equal(first.kind === 'loaded' && first.findings.findings.length, 2);
    assert.equal(first.kind === 'loaded' && first.findings.findings[0]?.findings.length, 120);
    // The list, two pages of the first report's annotations, one of the second's.
    assert.deepEqual(
      requestsSince(suite.sandbox, since).map((line) =>
        line.replace(/\/2\.0\/repositories\/.*\/commit\/\w+/, '…'),
      ),
      [
        'GET …/reports',
        'GET …/reports/sonar/annotations',
        'GET …/reports/sonar/annotations',
        'GET …/reports/lint/annotations',
      ],
    );

    since = suite.sandbox.requests.length;
    assert.deepEqual(await loader.load(api, target, all), { kind: 'unchanged' });
    await clock.advance(REPORTS_TTL_MS - 1);
    assert.deepEqual(await loader.load(api, target, all), { kind: 'unchanged' });
    assert.deepEqual(requestsSince(suite.sandbox, since), [], 'nothing read while nothing changed');

    // The check posts again: statuses change, the list is read, only the replaced report's annotations are.
    await postReport('lint', 3, 'ESLint');
    since = suite.sandbox.requests.length;
    const again = await loader.load(api, { ...target, statusesKey: 'sonar:FAILED;lint:FAILED' }, all);
    assert.equal(again.kind === 'loaded' && again.findings.findings[1]?.findings.length, 3);
    assert.deepEqual(
      requestsSince(suite.sandbox, since).map((line) =>
        line.replace(/\/2\.0\/repositories\/.*\/commit\/\w+/, '…'),
      ),
      ['GET …/reports', 'GET …/reports/lint/annotations'],
    );
  });

  it('after a status changes, reads the list again (every 10 s at most) until the report the check writes next comes', async () => {
    await postReport('gate', 2, 'Gate');
    const clock = new FakeClock();
    const loader = new FindingsLoader({ now: () => clock.now() });
    const { api } = connectTo(suite.sandbox);
    const all = { user: false, enabled: () => true };
    const path = (line: string) => line.replace(/\/2\.0\/repositories\/.*\/commit\/\w+/, '…');
    await loader.load(api, { repo, commit, statusesKey: 'gate:INPROGRESS' }, all);
    // sonar-gate posts FAILED first: the list is read, the report is still the old one.
    let since = suite.sandbox.requests.length;
    assert.equal((await loader.load(api, { repo, commit, statusesKey: 'gate:FAILED' }, all)).kind, 'loaded');
    // Not more often than every 10 s, however fast the refreshes come.
    await clock.advance(2_500);
    assert.deepEqual(await loader.load(api, { repo, commit, statusesKey: 'gate:FAILED' }, all), {
      kind: 'unchanged',
    });
    await clock.advance(30_000);
    await loader.load(api, { repo, commit, statusesKey: 'gate:FAILED' }, all);
    assert.deepEqual(requestsSince(suite.sandbox, since).map(path), ['GET …/reports', 'GET …/reports']);
    // Then writes the report: the next refresh reads it and its annotations, and the list is left alone again.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await postReport('gate', 4, 'Gate');
    since = suite.sandbox.requests.length;
    await clock.advance(30_000);
    const read = await loader.load(api, { repo, commit, statusesKey: 'gate:FAILED' }, all);
    assert.equal(
      read.kind === 'loaded' &&
        read.findings.findings.find((found) => found.reportId === 'gate')?.findings.length,
      4,
    );
    await clock.advance(30_000);
    assert.deepEqual(await loader.load(api, { repo, commit, statusesKey: 'gate:FAILED' }, all), {
      kind: 'unchanged',
    });
    assert.deepEqual(requestsSince(suite.sandbox, since).map(path), [
      'GET …/reports',
      'GET …/reports/gate/annotations',
    ]);
  });

  it('reads no annotations of a report turned off, and holds automatic reads while the budget says so', async () => {
    await postReport('sonar', 3, 'SonarQube');
    const clock = new FakeClock();
    const budget = new RequestBudget(clock);
    const loader = new FindingsLoader({ now: () => clock.now(), budget });
    const connection = connectBitbucket({
      credentials: { email: suite.sandbox.demo.email, apiToken: suite.sandbox.demo.apiToken },
      apiUrl: suite.sandbox.bitbucketApiUrl,
      transport: { ...TRANSPORT, onEvent: budget.observe },
    });
    // Another 100 automatic requests drained the bucket.
    for (let index = 0; index < 100; index++)
      budget.observe({ type: 'request', method: 'GET', url: 'x', attempt: 1 });
    const target = { repo, commit, statusesKey: 'a' };
    const since = suite.sandbox.requests.length;
    assert.deepEqual(await loader.load(connection.api, target, { user: false, enabled: () => true }), {
      kind: 'deferred',
    });
    assert.deepEqual(requestsSince(suite.sandbox, since), []);
    // The user asks: never held back; a report turned off costs no annotation read.
    const loaded = await loader.load(connection.api, target, { user: true, enabled: (id) => id !== 'sonar' });
    assert.equal(loaded.kind, 'loaded');
    assert.ok(
      requestsSince(suite.sandbox, since).every((line) => !line.includes('/reports/sonar/annotations')),
    );
    assert.ok(
      loaded.kind === 'loaded' && loaded.findings.reports.some((read) => read.external_id === 'sonar'),
    );
  });
});

describe('gate conditions from the report Crosscheck posts', () => {
  const suite = useSandbox();

  it('reads metric, actual value, threshold and failure from the data fields, and the dashboard link', async () => {
    const verdict = gateVerdict({
      status: 'ERROR',
      conditions: [
        {
          status: 'OK',
          metricKey: 'new_duplicated_lines_density',
          comparator: 'GT',
          errorThreshold: '3',
          actualValue: '1.2',
        },
        {
          status: 'ERROR',
          metricKey: 'new_coverage',
          comparator: 'LT',
          errorThreshold: '80',
          actualValue: '62.5',
        },
        {
          status: 'ERROR',
          metricKey: 'new_reliability_rating',
          comparator: 'GT',
          errorThreshold: '1',
          actualValue: '3',
        },
      ],
    });
    const posted = gateReport(verdict, {
      title: 'SonarQube',
      link: 'https://sonar.example/dashboard?id=web-app&pullRequest=7',
      projectKey: 'web-app',
    });
    const { api } = connectTo(suite.sandbox);
    const repo = { workspace: seed.workspace, slug: seed.webApp.slug };
    const commit = seed.webApp.pullRequest.sourceCommit;
    await api.putReport(repo, commit, 'sonar', posted);
    const table = findGateTable(await api.listReports(repo, commit));
    assert.deepEqual(table, {
      reportTitle: 'SonarQube',
      gate: 'Failed',
      failedCount: 2,
      dashboard: 'https://sonar.example/dashboard?id=web-app&pullRequest=7',
      conditions: [
        { metric: 'Coverage on New Code', actual: '62.5%', failsIf: '< 80%', failed: true },
        { metric: 'Reliability Rating on New Code', actual: 'C', failsIf: 'worse than A', failed: true },
        { metric: 'Duplicated Lines (%) on New Code', actual: '1.2%', failsIf: '> 3%', failed: false },
      ],
    });
  });

  it('is no table for another tool’s report, and drops a dashboard link that is not a web page', () => {
    assert.equal(
      gateTableOf({ uuid: '{x}', title: 'ESLint', data: [{ title: 'Errors', type: 'NUMBER', value: 3 }] }),
      undefined,
    );
    const table = gateTableOf({
      uuid: '{y}',
      title: 'SonarQube',
      link: 'command:workbench.action.quit',
      data: [
        { title: 'Quality gate', type: 'TEXT', value: 'Failed' },
        { title: 'Failed conditions', type: 'NUMBER', value: 1 },
        { title: 'Coverage', type: 'PERCENTAGE', value: 12 },
      ],
    });
    assert.equal(table?.dashboard, undefined);
    assert.deepEqual(table?.conditions, [
      { metric: 'Coverage', actual: '12%', failsIf: undefined, failed: true },
    ]);
  });
});
