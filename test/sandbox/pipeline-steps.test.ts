// Sandbox pipeline steps over real HTTP: the paginated steps list, one step, its log with byte ranges, stopPipeline stopping running steps; shapes checked against the OpenAPI schemas.
import assert from 'node:assert/strict';
import Ajv, { type ValidateFunction } from 'ajv';
import type { PipelineRunControl } from '../../src/sandbox';
import { loadOpenApiSubset } from '../support/openapi';
import { useSandbox } from '../support/sandbox-suite';
import { call, demoAuth, waitFor } from './http-client';

const PIPELINES = '/2.0/repositories/acme/central-checks/pipelines/';

describe('sandbox pipeline steps and step logs', () => {
  const suite = useSandbox({ centralRunStepMs: 20 });
  let schema: (name: string) => ValidateFunction;

  before(() => {
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ ...loadOpenApiSubset(), $id: 'bitbucket' });
    schema = (name) => ajv.getSchema(`bitbucket#/components/schemas/${name}`) as ValidateFunction;
  });

  function check(name: string, value: unknown): void {
    const validate = schema(name);
    assert.ok(validate, `schema ${name}`);
    assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors, null, 1)}`);
  }

  /** Triggers `lint` with a handler that hands its control to the test. */
  async function run(): Promise<{ self: string; ctl: PipelineRunControl }> {
    let control: PipelineRunControl | undefined;
    suite.sandbox.onPipelineRun((_run, ctl) => {
      control = ctl;
    });
    const created = await call(suite.sandbox, 'POST', PIPELINES, {
      auth: demoAuth(suite.sandbox),
      body: {
        target: {
          type: 'pipeline_ref_target',
          ref_type: 'branch',
          ref_name: 'main',
          selector: { type: 'custom', pattern: 'lint' },
        },
      },
    });
    assert.equal(created.status, 201);
    return { self: created.json.links.self.href as string, ctl: await waitFor(() => control) };
  }

  const get = (url: string, headers?: Record<string, string>) =>
    call(suite.sandbox, 'GET', url, { auth: demoAuth(suite.sandbox), headers });

  it('lists steps in order, paginated, and answers one step with its state', async () => {
    const { self, ctl } = await run();
    ctl.start();
    const fetch = ctl.addStep({ name: 'fetch', script: ['git clone x', 'echo done'], image: 'node:24' });
    ctl.addStep({ name: 'analyse' });
    ctl.addStep({ name: 'gate' });
    fetch.start();
    const first = await get(`${self}/steps/?pagelen=2`);
    assert.equal(first.status, 200);
    assert.equal(first.json.size, 3);
    assert.deepEqual(
      first.json.values.map((s: { name: string }) => s.name),
      ['fetch', 'analyse'],
    );
    check('paginated_pipeline_steps', first.json);
    const second = await get(first.json.next);
    assert.deepEqual(
      second.json.values.map((s: { name: string }) => s.name),
      ['gate'],
    );
    const one = await get(`${self}/steps/${encodeURIComponent(fetch.uuid)}`);
    assert.equal(one.status, 200);
    check('pipeline_step', one.json);
    assert.equal(one.json.uuid, fetch.uuid);
    assert.equal(one.json.state.name, 'IN_PROGRESS');
    assert.ok(one.json.started_on);
    assert.deepEqual(one.json.script_commands, [
      { name: 'git clone x', command: 'git clone x' },
      { name: 'echo done', command: 'echo done' },
    ]);
    assert.deepEqual(one.json.image, { name: 'node:24' });
    fetch.complete('SUCCESSFUL');
    const done = await get(`${self}/steps/${fetch.uuid}`);
    assert.deepEqual(done.json.state.result, {
      type: 'pipeline_step_state_completed_successful',
      name: 'SUCCESSFUL',
    });
    assert.ok(done.json.completed_on);
    check('pipeline_step', done.json);
    assert.equal((await get(`${self}/steps/%7B00000000-0000-4000-8000-000000000000%7D`)).status, 404);
    ctl.complete('SUCCESSFUL');
  });

  it('serves a log as text/plain: 404 before the step starts, the whole log, Range parts (206) and 416 beyond', async () => {
    const { self, ctl } = await run();
    ctl.start();
    const step = ctl.addStep({ name: 'build' });
    const log = `${self}/steps/${encodeURIComponent(step.uuid)}/log`;
    assert.equal((await get(log)).status, 404);
    step.start();
    step.log('+ echo héllo\n');
    step.log('héllo\n');
    const whole = await get(log);
    assert.equal(whole.status, 200);
    assert.match(whole.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(whole.text, '+ echo héllo\nhéllo\n');
    const total = Buffer.byteLength(whole.text);
    const tail = await get(log, { range: 'bytes=14-' });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get('content-range'), `bytes 14-${total - 1}/${total}`);
    assert.equal(tail.text, 'héllo\n');
    const middle = await get(log, { range: 'bytes=2-5' });
    assert.equal(middle.status, 206);
    assert.equal(middle.text, 'echo');
    assert.equal(middle.headers.get('content-range'), `bytes 2-5/${total}`);
    const last = await get(log, { range: 'bytes=-3' });
    assert.equal(last.text, 'lo\n');
    const beyond = await get(log, { range: `bytes=${total}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${total}`);
    // A client following the log asks again from where it stopped, and gets what was added since.
    step.log('more\n');
    const more = await get(log, { range: `bytes=${total}-` });
    assert.equal(more.status, 206);
    assert.equal(more.text, 'more\n');
    step.complete('SUCCESSFUL');
    step.log('ignored after completion\n');
    assert.equal((await get(log)).text, '+ echo héllo\nhéllo\nmore\n');
    ctl.complete('SUCCESSFUL');
  });

  it('stopPipeline stops the running step, leaves later ones NOT_RUN and aborts the run signal', async () => {
    const { self, ctl } = await run();
    ctl.start();
    const running = ctl.addStep({ name: 'analyse' });
    const later = ctl.addStep({ name: 'gate' });
    running.start();
    const stopped = await call(suite.sandbox, 'POST', `${self}/stopPipeline`, {
      auth: demoAuth(suite.sandbox),
    });
    assert.equal(stopped.status, 204);
    assert.equal(ctl.signal.aborted, true);
    const steps = (await get(`${self}/steps/`)).json.values as Array<{
      name: string;
      state: { name: string; result?: { name: string } };
    }>;
    assert.deepEqual(
      steps.map((s) => [s.name, s.state.name, s.state.result?.name]),
      [
        ['analyse', 'COMPLETED', 'STOPPED'],
        ['gate', 'COMPLETED', 'NOT_RUN'],
      ],
    );
    // The handler cannot revive them.
    later.start();
    running.complete('SUCCESSFUL');
    assert.equal(later.current().result, 'NOT_RUN');
    assert.equal(running.current().result, 'STOPPED');
    assert.equal((await get(self)).json.state.result.name, 'STOPPED');
  });

  it('the canned central run shows its one step and says in its log that it ran nothing', async () => {
    suite.sandbox.onPipelineRun(undefined);
    const created = await call(suite.sandbox, 'POST', PIPELINES, {
      auth: demoAuth(suite.sandbox),
      body: {
        target: {
          type: 'pipeline_ref_target',
          ref_type: 'branch',
          ref_name: 'main',
          selector: { type: 'custom', pattern: 'sonar-pr-check' },
        },
        variables: [],
      },
    });
    const self = created.json.links.self.href as string;
    await waitFor(async () => ((await get(self)).json.state.name === 'COMPLETED' ? true : undefined));
    const [step] = (await get(`${self}/steps/`)).json.values;
    assert.equal(step.state.result.name, 'ERROR');
    const log = await get(`${self}/steps/${encodeURIComponent(step.uuid)}/log`);
    assert.match(log.text, /runs nothing here/);
  });
});
