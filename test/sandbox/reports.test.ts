// Sandbox Code Insights over real HTTP: report validation (≤ 10 data fields), annotations 1–100 per request and ≤ 1000 per report.
import assert from 'node:assert/strict';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { call, demoAuth } from './http-client';

const REPORT = `/2.0/repositories/acme/web-app/commit/${seed.webApp.pullRequest.sourceCommit}/reports/crosscheck-sonar`;

function annotations(from: number, count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => ({
    external_id: `issue-${from + i}`,
    annotation_type: 'CODE_SMELL',
    summary: `Issue ${from + i}`,
    severity: 'MEDIUM',
    path: 'src/login/LoginForm.tsx',
    line: 1 + i,
  }));
}

describe('sandbox Code Insights', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  const report = (fields: Record<string, unknown> = {}) => ({
    title: 'SonarQube',
    details: 'Quality gate failed',
    report_type: 'COVERAGE',
    reporter: 'Crosscheck',
    result: 'FAILED',
    data: [{ title: 'Coverage', type: 'PERCENTAGE', value: 62.5 }],
    ...fields,
  });

  it('creates, updates, lists and deletes a report by its external id', async () => {
    const put = await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report() });
    assert.equal(put.status, 200);
    assert.equal(put.json.external_id, 'crosscheck-sonar');
    assert.match(put.json.uuid, /^\{[0-9a-f-]{36}\}$/);
    const again = await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report({ result: 'PASSED' }) });
    assert.equal(again.json.uuid, put.json.uuid);
    const got = await call(sb, 'GET', REPORT, { auth: demoAuth(sb) });
    assert.equal(got.json.result, 'PASSED');
    const byUuid = await call(
      sb,
      'GET',
      REPORT.replace('crosscheck-sonar', encodeURIComponent(put.json.uuid)),
      { auth: demoAuth(sb) },
    );
    assert.equal(byUuid.status, 200);
    const list = await call(sb, 'GET', REPORT.replace('/crosscheck-sonar', ''), { auth: demoAuth(sb) });
    assert.equal(list.json.size, 1);
    assert.equal((await call(sb, 'DELETE', REPORT, { auth: demoAuth(sb) })).status, 204);
    assert.equal((await call(sb, 'GET', REPORT, { auth: demoAuth(sb) })).status, 404);
  });

  it('validates title, report_type, result and at most 10 data fields', async () => {
    const data = Array.from({ length: 11 }, (_, i) => ({ title: `d${i}`, type: 'NUMBER', value: i }));
    const tooMuch = await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report({ data }) });
    assert.equal(tooMuch.status, 400);
    assert.deepEqual(Object.keys(tooMuch.json.error.fields), ['data']);
    assert.equal(
      (await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report({ data: data.slice(0, 10) }) }))
        .status,
      200,
    );
    const noTitle = await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report({ title: undefined }) });
    assert.deepEqual(Object.keys(noTitle.json.error.fields), ['title']);
    const badType = await call(sb, 'PUT', REPORT, {
      auth: demoAuth(sb),
      body: report({ report_type: 'QUALITY' }),
    });
    assert.deepEqual(Object.keys(badType.json.error.fields), ['report_type']);
    const badResult = await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report({ result: 'OK' }) });
    assert.deepEqual(Object.keys(badResult.json.error.fields), ['result']);
  });

  it('takes 1 to 100 annotations per request, each with an external_id', async () => {
    await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report() });
    const url = `${REPORT}/annotations`;
    assert.equal((await call(sb, 'POST', url, { auth: demoAuth(sb), body: [] })).status, 400);
    assert.equal(
      (await call(sb, 'POST', url, { auth: demoAuth(sb), body: annotations(0, 101) })).status,
      400,
    );
    const missing = await call(sb, 'POST', url, {
      auth: demoAuth(sb),
      body: [{ annotation_type: 'BUG', summary: 'x' }],
    });
    assert.equal(missing.status, 400);
    assert.deepEqual(Object.keys(missing.json.error.fields), ['[0].external_id']);
    const ok = await call(sb, 'POST', url, { auth: demoAuth(sb), body: annotations(0, 100) });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.length, 100);
    assert.equal(ok.json[0].external_id, 'issue-0');
    assert.equal(
      (
        await call(sb, 'POST', REPORT.replace('crosscheck-sonar', 'missing') + '/annotations', {
          auth: demoAuth(sb),
          body: annotations(0, 1),
        })
      ).status,
      404,
    );
  });

  it('refuses to grow a report beyond 1000 annotations; updates do not count', async () => {
    await call(sb, 'PUT', REPORT, { auth: demoAuth(sb), body: report() });
    const url = `${REPORT}/annotations`;
    for (let batch = 0; batch < 10; batch++) {
      assert.equal(
        (await call(sb, 'POST', url, { auth: demoAuth(sb), body: annotations(batch * 100, 100) })).status,
        200,
      );
    }
    const over = await call(sb, 'POST', url, { auth: demoAuth(sb), body: annotations(1000, 1) });
    assert.equal(over.status, 400);
    assert.match(over.json.error.detail, /1000/);
    assert.equal((await call(sb, 'POST', url, { auth: demoAuth(sb), body: annotations(0, 5) })).status, 200);
    const page = await call(sb, 'GET', `${url}?pagelen=100&page=10`, { auth: demoAuth(sb) });
    assert.equal(page.json.size, 1000);
    assert.equal(page.json.values.length, 100);
    assert.equal(page.json.next, undefined);
  });
});
