// Following a central run's log against the sandbox: steps as they start and end, each log read with Range from where
// the last read ended, a character split across reads, few requests, Stop ending the run, escapes cleaned.
import * as assert from 'node:assert';
import type { BitbucketApi } from '../../src/core';
import type { PipelineStepControl } from '../../src/sandbox';
import { seed } from '../../src/sandbox';
import { cleanLog, RunLog } from '../../src/extension/model/run-log';
import { useSandbox } from '../support/sandbox-suite';
import { connectTo } from './support/sandbox';

const central = { workspace: seed.workspace, slug: seed.centralChecks.slug };

describe('central run log (sandbox)', () => {
  const suite = useSandbox();

  /** A run whose two steps the test drives by hand. */
  async function scriptedRun(): Promise<{ uuid: string; steps: Promise<PipelineStepControl[]> }> {
    let resolve: (steps: PipelineStepControl[]) => void = () => undefined;
    const steps = new Promise<PipelineStepControl[]>((done) => (resolve = done));
    suite.sandbox.onPipelineRun((_run, ctl) => {
      ctl.start();
      resolve([ctl.addStep({ name: 'Build' }), ctl.addStep({ name: 'Quality gate' })]);
      // The run ends when the test stops it, or the sandbox closes.
      return new Promise<void>((done) => ctl.signal.addEventListener('abort', () => done()));
    });
    const { api } = connectTo(suite.sandbox);
    const run = await api.triggerPipeline(central, {
      branch: 'main',
      pattern: 'sonar-pr-check',
      variables: [],
    });
    return { uuid: run.uuid, steps };
  }

  afterEach(() => suite.sandbox.onPipelineRun(undefined));

  it('shows the lines of a live run as they come, reading each log from where it ended', async () => {
    const { uuid, steps } = await scriptedRun();
    const [build, gate] = await steps;
    assert.ok(build && gate);
    const { api } = connectTo(suite.sandbox);
    const log = new RunLog({ central, uuid, pipeline: 'sonar-pr-check', buildNumber: 1 });

    let poll = await log.poll(api);
    assert.equal(poll.finished, false);
    assert.match(log.render(), /## Step 1: Build — PENDING\n\n## Step 2: Quality gate — PENDING/);

    build.start();
    build.log('npm ci\nadded 451 packages\n\u001b[32mok\u001b[0m price ');
    await log.poll(api);
    assert.match(log.render(), /## Step 1: Build — IN_PROGRESS\nnpm ci\nadded 451 packages\nok price /);
    const since = suite.sandbox.requests.length;
    build.log('2 €\n');
    poll = await log.poll(api);
    assert.ok(poll.changed);
    assert.match(log.render(), /ok price 2 €\n/);
    const reads = suite.sandbox.requests.slice(since);
    // Only the log was read this time (it grew last time), from the byte where the last read ended.
    assert.deepEqual(
      reads.map((request) => `${request.method} ${request.path.replace(/.*\/pipelines\//, '')}`),
      [`GET ${encodeURIComponent(uuid)}/steps/${encodeURIComponent(build.uuid)}/log`],
    );
    const offset = Buffer.byteLength('npm ci\nadded 451 packages\n\u001b[32mok\u001b[0m price ');
    assert.equal(reads[0]?.headers.range, `bytes=${offset}-`);

    build.complete('SUCCESSFUL');
    gate.start();
    gate.log('Quality gate FAILED: Coverage on New Code 62.5% < 80%\n');
    await log.poll(api);
    await log.poll(api);
    const text = log.render();
    assert.match(text, /## Step 1: Build — COMPLETED SUCCESSFUL/);
    assert.match(text, /## Step 2: Quality gate — IN_PROGRESS\nQuality gate FAILED/);
    assert.equal(log.finished, false);

    // Stop: the sandbox stops the running step; the follower reads the last bytes and finishes.
    await api.stopPipeline(central, uuid);
    for (let round = 0; round < 3 && !log.finished; round++) await log.poll(api);
    assert.equal(log.finished, true);
    assert.match(log.render(), /## Step 2: Quality gate — COMPLETED STOPPED/);
    const after = suite.sandbox.requests.length;
    assert.equal(log.finished, true);
    assert.equal(suite.sandbox.requests.length, after, 'nothing read once finished');
  });

  it('a character split between two reads comes out whole', async () => {
    const euro = Buffer.from('€');
    const chunks = [
      Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]),
      euro.subarray(1),
      Buffer.from('\n'),
    ];
    let state = 'IN_PROGRESS';
    const offsets: number[] = [];
    const api = {
      listPipelineSteps: async () => [{ uuid: '{s}', name: 'Gate', state: { name: state } }],
      readStepLog: async (_repo: unknown, _run: string, _step: string, from: number) => {
        offsets.push(from);
        const bytes = chunks.shift() ?? Buffer.alloc(0);
        return { bytes, next: from + bytes.length };
      },
    } as unknown as BitbucketApi;
    const log = new RunLog({ central, uuid: '{run}', pipeline: 'p' });
    await log.poll(api);
    await log.poll(api);
    state = 'COMPLETED';
    // The step list is read again once a round reads nothing new; then one last read of the log.
    for (let round = 0; round < 4 && !log.finished; round++) await log.poll(api);
    assert.match(log.render(), /\nprice €\n$/);
    assert.deepEqual(offsets.slice(0, 3), [0, 7, 9]);
    assert.equal(log.finished, true);
  });

  it('cleans colours, cursor escapes and carriage returns', () => {
    assert.equal(cleanLog('\u001b[1;31mred\u001b[0m\r\nnext\rover\n'), 'red\nnext\nover\n');
  });
});
