// Sandbox pipelines over real HTTP: trigger validation, PENDING → IN_PROGRESS → COMPLETED driven by handlers, hidden secured variables, the default central run.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import {
  CENTRAL_STATUS,
  seed,
  startSandbox,
  type PipelineRun,
  type PipelineRunControl,
  type Sandbox,
} from '../../src/sandbox';
import { call, demoAuth, waitFor } from './http-client';

const PIPELINES = '/2.0/repositories/acme/central-checks/pipelines/';
const COMMIT = seed.webApp.pullRequest.sourceCommit;

function trigger(pattern = 'sonar-pr-check', refName = 'main', variables: unknown[] = []): unknown {
  return {
    target: {
      type: 'pipeline_ref_target',
      ref_type: 'branch',
      ref_name: refName,
      selector: { type: 'custom', pattern },
    },
    variables,
  };
}

const TRIGGER_VARIABLES = [
  { key: 'TRIGGER_REPO', value: 'acme/web-app' },
  { key: 'TRIGGER_COMMIT', value: COMMIT },
  { key: 'TRIGGER_BRANCH', value: 'feature/login' },
  { key: 'TRIGGER_PR_ID', value: '7' },
  { key: 'SONAR_TOKEN', value: 'squ_very-secret-value', secured: true },
];

/** GET with a raw (unencoded) path, which fetch would percent-encode. */
function rawGet(sb: Sandbox, path: string, auth: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(sb.url);
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { authorization: auth } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('sandbox pipelines', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox({ centralRunStepMs: 20 });
  });
  afterEach(() => sb.close());

  it('moves a run through its states as the handler says', async () => {
    let control: PipelineRunControl | undefined;
    let seen: PipelineRun | undefined;
    sb.onPipelineRun((run, ctl) => {
      seen = run;
      control = ctl;
    });
    const created = await call(sb, 'POST', PIPELINES, { auth: demoAuth(sb), body: trigger('lint') });
    assert.equal(created.status, 201);
    assert.equal(created.json.type, 'pipeline');
    assert.match(created.json.uuid, /^\{[0-9a-f-]{36}\}$/);
    assert.equal(created.json.build_number, 1);
    assert.equal(created.json.state.name, 'PENDING');
    assert.equal(created.json.target.ref_name, 'main');
    assert.deepEqual(created.json.target.selector, { type: 'custom', pattern: 'lint' });
    assert.equal(created.headers.get('location'), created.json.links.self.href);
    const ctl = await waitFor(() => control);
    assert.equal(seen?.uuid, created.json.uuid);
    const self = created.json.links.self.href as string;
    assert.ok(self.includes('%7B'), 'links keep the braces, URL-encoded');

    ctl.start();
    const running = await call(sb, 'GET', self, { auth: demoAuth(sb) });
    assert.equal(running.json.state.name, 'IN_PROGRESS');
    ctl.complete('SUCCESSFUL');
    const done = await call(sb, 'GET', self, { auth: demoAuth(sb) });
    assert.equal(done.json.state.name, 'COMPLETED');
    assert.equal(done.json.state.result.name, 'SUCCESSFUL');
    assert.ok(done.json.completed_on);
    // Raw braces are accepted too.
    const raw = await rawGet(sb, `${PIPELINES}${created.json.uuid}`, demoAuth(sb));
    assert.equal(raw.status, 200);
    assert.equal(JSON.parse(raw.body).uuid, created.json.uuid);
  });

  it('never shows secured variable values, but the test controls see them', async () => {
    sb.onPipelineRun(() => undefined);
    const created = await call(sb, 'POST', PIPELINES, {
      auth: demoAuth(sb),
      body: trigger('sonar-pr-check', 'main', TRIGGER_VARIABLES),
    });
    assert.equal(created.status, 201);
    const fetched = await call(sb, 'GET', `${PIPELINES}${encodeURIComponent(created.json.uuid)}`, {
      auth: demoAuth(sb),
    });
    const listed = await call(sb, 'GET', PIPELINES, { auth: demoAuth(sb) });
    for (const text of [created.text, fetched.text, listed.text, JSON.stringify(sb.requests)]) {
      assert.ok(!text.includes('squ_very-secret-value'), 'secured value leaked');
    }
    const secured = fetched.json.variables.find((v: { key: string }) => v.key === 'SONAR_TOKEN');
    assert.deepEqual(secured, { type: 'pipeline_variable', key: 'SONAR_TOKEN', secured: true });
    const plain = fetched.json.variables.find((v: { key: string }) => v.key === 'TRIGGER_COMMIT');
    assert.equal(plain.value, COMMIT);
    const [run] = sb.pipelines(seed.centralChecks.fullName);
    assert.ok(run);
    assert.equal(run.variables.find((v) => v.key === 'SONAR_TOKEN')?.value, 'squ_very-secret-value');
    assert.equal(run.selector?.pattern, 'sonar-pr-check');
    assert.equal(run.commit, seed.centralChecks.branches.main);
  });

  it('refuses an unknown custom pipeline, branch, or a repository without pipelines', async () => {
    const pattern = await call(sb, 'POST', PIPELINES, { auth: demoAuth(sb), body: trigger('deploy') });
    assert.equal(pattern.status, 400);
    assert.equal(pattern.json.error.detail, 'Requested selector is not found in bitbucket-pipelines.yml.');
    const branch = await call(sb, 'POST', PIPELINES, { auth: demoAuth(sb), body: trigger('lint', 'nope') });
    assert.equal(branch.status, 400);
    assert.match(branch.json.error.detail, /nope/);
    const noYml = await call(sb, 'POST', '/2.0/repositories/acme/web-app/pipelines/', {
      auth: demoAuth(sb),
      body: trigger('lint'),
    });
    assert.equal(noYml.status, 400);
    const badVariable = await call(sb, 'POST', PIPELINES, {
      auth: demoAuth(sb),
      body: trigger('lint', 'main', [{ key: '1BAD', value: 'x' }]),
    });
    assert.equal(badVariable.status, 400);
    assert.equal(sb.pipelines(seed.centralChecks.fullName).length, 0);
    const unknown = await call(sb, 'GET', `${PIPELINES}%7B00000000-0000-4000-8000-000000000000%7D`, {
      auth: demoAuth(sb),
    });
    assert.equal(unknown.status, 404);
  });

  it('lists runs newest first with sort=-created_on', async () => {
    sb.onPipelineRun(() => undefined);
    for (const pattern of ['lint', 'sonar-pr-check', 'lint']) {
      assert.equal(
        (await call(sb, 'POST', PIPELINES, { auth: demoAuth(sb), body: trigger(pattern) })).status,
        201,
      );
    }
    const r = await call(sb, 'GET', `${PIPELINES}?sort=-created_on&pagelen=2`, { auth: demoAuth(sb) });
    assert.deepEqual(
      r.json.values.map((p: { build_number: number }) => p.build_number),
      [3, 2],
    );
    assert.equal(r.json.size, 3);
    sb.completePipeline(seed.centralChecks.fullName, r.json.values[0].uuid, 'STOPPED');
    assert.equal(sb.pipelines(seed.centralChecks.fullName)[2]?.result, 'STOPPED');
  });

  it('by default, fails the run and posts a failed SonarQube status on the triggering commit', async () => {
    const created = await call(sb, 'POST', PIPELINES, {
      auth: demoAuth(sb),
      body: trigger('sonar-pr-check', 'main', TRIGGER_VARIABLES),
    });
    const self = created.json.links.self.href as string;
    const states = new Set<string>();
    const done = await waitFor(async () => {
      const r = await call(sb, 'GET', self, { auth: demoAuth(sb) });
      states.add(r.json.state.name);
      return r.json.state.name === 'COMPLETED' ? r.json : undefined;
    });
    assert.equal(done.state.result.name, 'FAILED');
    assert.ok(states.has('IN_PROGRESS') || states.has('PENDING'));
    const [status] = sb.buildStatuses('acme/web-app', COMMIT);
    assert.ok(status);
    assert.equal(status.key, CENTRAL_STATUS.key);
    assert.equal(status.state, 'FAILED');
    assert.equal(status.name, 'SonarQube');
    assert.equal(status.description, 'Coverage on New Code 62.5% < 80%');
    assert.equal(status.refname, 'feature/login');
    assert.equal(status.url, `${sb.sonarUrl}/dashboard?id=web-app&pullRequest=7`);
  });

  it('passes the next default runs after POST /_sandbox/central-outcome', async () => {
    const outcome = await call(sb, 'POST', '/_sandbox/central-outcome', { body: { result: 'SUCCESSFUL' } });
    assert.equal(outcome.status, 200);
    await call(sb, 'POST', PIPELINES, {
      auth: demoAuth(sb),
      body: trigger('sonar-pr-check', 'main', TRIGGER_VARIABLES),
    });
    const run = await waitFor(() =>
      sb.pipelines(seed.centralChecks.fullName).find((r) => r.state === 'COMPLETED'),
    );
    assert.equal(run.result, 'SUCCESSFUL');
    const [status] = sb.buildStatuses('acme/web-app', COMMIT);
    assert.ok(status);
    assert.equal(status.state, 'SUCCESSFUL');
    assert.equal(status.description, 'Quality gate passed');
    assert.equal(
      (await call(sb, 'POST', '/_sandbox/central-outcome', { body: { result: 'MAYBE' } })).status,
      400,
    );
  });

  it('ends a default run in ERROR when the trigger variables are missing', async () => {
    await call(sb, 'POST', PIPELINES, { auth: demoAuth(sb), body: trigger('sonar-pr-check') });
    const run = await waitFor(() =>
      sb.pipelines(seed.centralChecks.fullName).find((r) => r.state === 'COMPLETED'),
    );
    assert.equal(run.result, 'ERROR');
  });
});
