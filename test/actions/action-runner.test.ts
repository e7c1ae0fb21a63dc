// Runs the fixture actions (real @actions/core, real Node processes) through runAction and checks what GitHub would do.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ActionDefinitionError,
  actionRunToJson,
  runAction,
  type ActionRunOptions,
} from '../../src/runner/action-engine';
import { FIXTURES, RecordingLog, minimalEnv, parseEnvDump } from './recording-log';

function run(fixture: string, options: Partial<ActionRunOptions> & { log?: RecordingLog } = {}) {
  const log = options.log ?? new RecordingLog();
  const done = runAction({
    actionPath: path.join(FIXTURES, fixture),
    inputs: {},
    env: minimalEnv(),
    cwd: FIXTURES,
    ...options,
    log,
  });
  return done.then((result) => ({ result, log }));
}

describe('runAction', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-action-test-'));
  });
  afterEach(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  /** Writes an action.yml into a scratch folder whose scripts are the lifecycle fixture's (absolute paths). */
  async function lifecycleWith(runsExtra: string): Promise<string> {
    const scripts = path.join(FIXTURES, 'lifecycle');
    const yaml = [
      'name: Conditional lifecycle',
      'inputs:',
      '  fail-in:',
      '    default: none',
      'runs:',
      '  using: node20',
      `  pre: ${JSON.stringify(path.join(scripts, 'pre.js'))}`,
      `  main: ${JSON.stringify(path.join(scripts, 'main.js'))}`,
      `  post: ${JSON.stringify(path.join(scripts, 'post.js'))}`,
      ...runsExtra.split('\n').map((line) => `  ${line}`),
    ].join('\n');
    await fs.writeFile(path.join(scratch, 'action.yml'), yaml);
    return scratch;
  }

  describe('inputs and outputs', () => {
    it('passes defaults and --with values as INPUT_ variables and collects outputs, multi-line ones included', async () => {
      const { result, log } = await run('inputs-outputs', {
        inputs: { who: 'World', 'extra-thing': 'kept' },
      });
      assert.equal(result.result, 'success');
      assert.equal(result.exitCode, 0);
      assert.deepEqual(log.lines(), ['inputs: greeting=Hello who=World old-style= token=[]', 'extra=kept']);
      assert.deepEqual(result.outputs, {
        message: 'Hello, World!',
        multiline: 'first line\nsecond line\nthird line',
        json: '{"answer":42}',
        quote: 'it\'s "quoted" $HOME `x`',
      });
    });

    it('lets --with override a default, matching names case-insensitively', async () => {
      const { result, log } = await run('inputs-outputs', { inputs: { Greeting: 'Howdy', WHO: 'you' } });
      assert.equal(result.outputs.message, 'Howdy, you!');
      assert.equal(log.annotations.filter((a) => a.message.startsWith('Unexpected')).length, 0);
    });

    it('warns, as GitHub does, about unexpected, deprecated and missing required inputs without failing', async () => {
      const { result, log } = await run('inputs-outputs', {
        inputs: { 'old-style': 'x', 'extra-thing': 'e' },
      });
      assert.equal(result.result, 'success');
      const warnings = log.annotations.filter((a) => a.level === 'warning' && a.source === 'runner');
      assert.deepEqual(
        warnings.map((a) => a.message),
        [
          "Input 'old-style' has been deprecated with message: Use greeting instead.",
          "Unexpected input(s) 'extra-thing', valid inputs are ['greeting', 'who', 'old-style', 'token']",
          'Input required and not supplied: who',
        ],
      );
      assert.ok(warnings.every((a) => a.phase === undefined));
    });
  });

  describe('phases', () => {
    it('hands state, exported variables and PATH entries from pre to main to post, and refuses NODE_OPTIONS', async () => {
      const { result, log } = await run('lifecycle');
      assert.equal(result.result, 'success');
      assert.deepEqual(
        result.phases.map((p) => [p.phase, p.status]),
        [
          ['pre', 'success'],
          ['main', 'success'],
          ['post', 'success'],
        ],
      );
      assert.deepEqual(log.lines(), [
        'pre ran',
        'main ran; state from pre=pre-state env FROM_PRE=pre-env',
        'main PATH starts /opt/from-pre',
        'post ran; state from pre=pre-state from main=main-state',
        'post env FROM_PRE=pre-env FROM_MAIN=main-env NODE_OPTIONS=<unset>',
        'post PATH starts /opt/from-main /opt/from-pre',
      ]);
      assert.deepEqual(log.annotations, [
        {
          level: 'error',
          message: "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
          source: 'runner',
          phase: 'main',
        },
      ]);
      assert.deepEqual(result.outputs, { phase: 'main' });
    });

    it('fails with the exit code of main when main calls setFailed, and still runs post (post-if defaults to always())', async () => {
      const { result, log } = await run('lifecycle', { inputs: { 'fail-in': 'main' } });
      assert.equal(result.result, 'failure');
      assert.equal(result.exitCode, 1);
      assert.deepEqual(
        result.phases.map((p) => [p.phase, p.status, p.exitCode]),
        [
          ['pre', 'success', 0],
          ['main', 'failure', 1],
          ['post', 'success', 0],
        ],
      );
      assert.ok(log.annotations.some((a) => a.source === 'action' && a.message === 'main failed on purpose'));
    });

    it('skips main when pre fails, and runs post', async () => {
      const { result } = await run('lifecycle', { inputs: { 'fail-in': 'pre' } });
      assert.equal(result.result, 'failure');
      assert.deepEqual(
        result.phases.map((p) => [p.phase, p.status, p.reason]),
        [
          ['pre', 'failure', undefined],
          ['main', 'skipped', 'pre failed'],
          ['post', 'success', undefined],
        ],
      );
    });

    it('fails the run when only post fails', async () => {
      const { result } = await run('lifecycle', { inputs: { 'fail-in': 'post' } });
      assert.equal(result.result, 'failure');
      assert.equal(result.exitCode, 1);
      assert.equal(result.phases[2]?.status, 'failure');
    });

    it('runs a failure() post only when the run failed', async () => {
      const action = await lifecycleWith('post-if: failure()');
      const passed = await runAction({
        actionPath: action,
        inputs: {},
        env: minimalEnv(),
        cwd: scratch,
        log: new RecordingLog(),
      });
      assert.equal(passed.result, 'success');
      assert.deepEqual(passed.phases[2], {
        phase: 'post',
        script: path.join(FIXTURES, 'lifecycle', 'post.js'),
        status: 'skipped',
        reason: 'post-if failure() is false for a successful run',
        exitCode: null,
      });
      const failed = await runAction({
        actionPath: action,
        inputs: { 'fail-in': 'main' },
        env: minimalEnv(),
        cwd: scratch,
        log: new RecordingLog(),
      });
      assert.equal(failed.result, 'failure');
      assert.equal(failed.phases[2]?.status, 'success');
    });

    it('skips a success() post after a failure and a cancelled() post after a success', async () => {
      const successOnly = await lifecycleWith('post-if: ${{ success() }}');
      const failed = await runAction({
        actionPath: successOnly,
        inputs: { 'fail-in': 'main' },
        env: minimalEnv(),
        cwd: scratch,
        log: new RecordingLog(),
      });
      assert.equal(failed.phases[2]?.status, 'skipped');
      const cancelledOnly = await lifecycleWith('post-if: cancelled()');
      const passed = await runAction({
        actionPath: cancelledOnly,
        inputs: {},
        env: minimalEnv(),
        cwd: scratch,
        log: new RecordingLog(),
      });
      assert.equal(passed.phases[2]?.status, 'skipped');
      assert.equal(passed.result, 'success');
    });

    it('skips a failure() pre (nothing has failed yet) and still runs main and post', async () => {
      const action = await lifecycleWith('pre-if: failure()');
      const log = new RecordingLog();
      const result = await runAction({
        actionPath: action,
        inputs: {},
        env: minimalEnv(),
        cwd: scratch,
        log,
      });
      assert.deepEqual(
        result.phases.map((p) => [p.phase, p.status]),
        [
          ['pre', 'skipped'],
          ['main', 'success'],
          ['post', 'success'],
        ],
      );
      assert.equal(log.printedLine(0), 'main ran; state from pre= env FROM_PRE=undefined');
    });

    it("evaluates pre-if / post-if expressions with GitHub's evaluator, and refuses one it cannot evaluate (exit 2)", async () => {
      const action = await lifecycleWith("post-if: runner.os == 'Linux' || runner.os != 'Linux'");
      const ran = await runAction({
        actionPath: action,
        inputs: {},
        env: minimalEnv(),
        cwd: scratch,
        log: new RecordingLog(),
      });
      assert.deepEqual(
        ran.phases.map((phase) => `${phase.phase}:${phase.status}`),
        ['pre:success', 'main:success', 'post:success'],
      );
      const skipped = await lifecycleWith("post-if: runner.os == 'Plan9'");
      const notRun = await runAction({
        actionPath: skipped,
        inputs: {},
        env: minimalEnv(),
        cwd: scratch,
        log: new RecordingLog(),
      });
      assert.equal(notRun.phases.find((phase) => phase.phase === 'post')?.status, 'skipped');
      const broken = await lifecycleWith('post-if: secrets.TOKEN != ""');
      const log = new RecordingLog();
      await assert.rejects(
        runAction({ actionPath: broken, inputs: {}, env: minimalEnv(), cwd: scratch, log }),
        (error: Error) =>
          error instanceof ActionDefinitionError &&
          error.message.includes('runs.post-if: cannot evaluate \'${{ secrets.TOKEN != "" }}\'') &&
          error.message.includes(path.join(scratch, 'action.yml')),
      );
      assert.deepEqual(log.entries, [], 'nothing ran');
    });
  });

  describe('masking', () => {
    it('never lets a setSecret value, or any line of a multi-line one, reach the log, annotations or summary', async () => {
      const { result, log } = await run('secrets', { debug: true });
      const everything = `${log.text()}\n${JSON.stringify(actionRunToJson(result))}`;
      for (const secret of ['hunter2-single-secret', 'first-secret-line', 'second-secret-line']) {
        assert.ok(!everything.includes(secret), `${secret} leaked`);
      }
      assert.ok(log.lines().includes('plain *** end'));
      assert.ok(log.lines().includes('stderr ***'));
      assert.ok(log.lines().includes('json "***"'));
      assert.ok(log.entries.includes('group: group ***'));
      assert.ok(log.entries.includes('debug: debug ***'));
      assert.deepEqual(log.annotations[0], {
        level: 'warning',
        message: 'warning with ***',
        title: 'title ***',
        source: 'action',
        phase: 'main',
      });
      assert.equal(result.summary, 'summary ***\n');
      assert.ok(!('secret-output' in result.outputs), 'an output holding a secret is withheld');
      assert.ok(
        log.annotations.some(
          (a) =>
            a.level === 'warning' && a.message === "Skip output 'secret-output' since it may contain secret.",
        ),
      );
    });

    it('masks the secrets the caller hands in from the first line on', async () => {
      const { log } = await run('inputs-outputs', {
        inputs: { who: 'caller-token-123' },
        secrets: ['caller-token-123'],
      });
      assert.equal(log.printedLine(0), 'inputs: greeting=Hello who=*** old-style= token=[]');
    });
  });

  describe('workflow commands', () => {
    it('collects annotations with file and position (relative to the workspace), groups and the step summary', async () => {
      const { result, log } = await run('commands', {
        inputs: { mode: 'annotations' },
        env: minimalEnv({ BITBUCKET_CLONE_DIR: FIXTURES }),
      });
      assert.equal(result.result, 'success');
      // stdout and stderr are two pipes: a stderr line may be read before or after any stdout line.
      const fromStderr = (annotation: { file?: string }) => annotation.file === 'from-stderr.js';
      assert.deepEqual(
        result.annotations.filter((annotation) => !fromStderr(annotation)),
        [
          {
            level: 'error',
            message: 'Missing semicolon',
            title: 'Lint: semi, strict',
            file: 'src/app.js',
            line: 3,
            endLine: 3,
            column: 7,
            endColumn: 9,
            source: 'action',
            phase: 'main',
          },
          {
            level: 'warning',
            message: 'Deprecated call\nsecond line',
            file: 'lib/old.js',
            line: 10,
            source: 'action',
            phase: 'main',
          },
          { level: 'notice', message: 'Just so you know', source: 'action', phase: 'main' },
        ],
      );
      assert.deepEqual(result.annotations.filter(fromStderr), [
        {
          level: 'warning',
          message: 'on stderr',
          file: 'from-stderr.js',
          line: 2,
          source: 'action',
          phase: 'main',
        },
      ]);
      const stdoutEntries = log.entries.filter((entry) => !/^(stderr|annotation): /.test(entry));
      const groupAt = stdoutEntries.indexOf('group: Details');
      assert.deepEqual(stdoutEntries.slice(groupAt, groupAt + 3), [
        'group: Details',
        'stdout: inside the group',
        'endgroup',
      ]);
      assert.ok(!log.text().includes('only when debugging'));
      assert.equal(result.summary, '<h1>Report</h1>\nAll good.\n');
    });

    it('shows ::debug:: lines and echoes commands only when debugging', async () => {
      const { log } = await run('commands', { inputs: { mode: 'annotations' }, debug: true });
      assert.ok(log.entries.includes('debug: only when debugging'));
      assert.ok(log.entries.includes('stdout: ::group::Details'));
    });

    it('honours the deprecated ::set-output:: and ::save-state:: with a warning, and stop-commands', async () => {
      const { result, log } = await run('commands', { inputs: { mode: 'legacy' } });
      assert.equal(result.outputs.legacy, 'old-way');
      const deprecations = log.annotations.filter((a) => a.message.includes('command is deprecated'));
      assert.deepEqual(
        deprecations.map((a) => [a.level, a.message.slice(0, 18)]),
        [
          ['warning', 'The `set-output` c'],
          ['warning', 'The `save-state` c'],
        ],
      );
      assert.deepEqual(log.lines().slice(0, 3), [
        '::stop-commands::pause-token-77',
        '::warning::not a command while stopped',
        '::pause-token-77::',
      ]);
      assert.ok(!log.annotations.some((a) => a.message === 'not a command while stopped'));
      assert.ok(log.annotations.some((a) => a.message === 'a command again' && a.source === 'action'));
      assert.ok(log.lines().includes('::group::echoed group'), '::echo::on echoes later commands');
    });

    it('fails the step for a refused ::set-env:: even though the script exited 0', async () => {
      const { result, log } = await run('commands', { inputs: { mode: 'legacy' } });
      assert.equal(result.result, 'failure');
      assert.equal(result.exitCode, 1);
      assert.equal(result.phases[0]?.exitCode, 0);
      assert.ok(
        log.annotations.some(
          (a) => a.level === 'error' && a.message.includes('The `set-env` command is disabled'),
        ),
      );
    });

    it('reassembles lines and characters split across writes, and keeps an unterminated last line', async () => {
      const { log } = await run('commands', { inputs: { mode: 'split-writes' } });
      assert.deepEqual(
        log.annotations.map((a) => a.message),
        ['café crème'],
      );
      assert.deepEqual(log.lines(), ['last line without newline']);
    });

    it('refuses a stop token that is a command name and keeps processing commands', async () => {
      const { result, log } = await run('commands', { inputs: { mode: 'bad-stop-token' } });
      assert.equal(result.result, 'failure');
      assert.ok(
        log.annotations.some((a) =>
          a.message.startsWith("Unable to process command '::stop-commands::warning'"),
        ),
      );
      assert.ok(log.annotations.some((a) => a.message === 'still a command'));
    });

    it('fails the step for an unterminated heredoc in GITHUB_OUTPUT', async () => {
      const { result, log } = await run('commands', { inputs: { mode: 'broken-output' } });
      assert.equal(result.result, 'failure');
      assert.deepEqual(
        log.annotations.map((a) => a.message),
        [
          "Unable to process file command 'output' successfully. Invalid value. Matching delimiter not found 'EOF'",
        ],
      );
      assert.deepEqual(result.outputs, {});
    });

    it("drops a step summary over 1 MiB with GitHub's error, without failing the step", async () => {
      const { result, log } = await run('commands', { inputs: { mode: 'big-summary' } });
      assert.equal(result.result, 'success');
      assert.equal(result.summary, '');
      assert.equal(
        log.annotations[0]?.message,
        '$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, got 1024k. For more information see: https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary',
      );
    });
  });

  describe('cancellation', () => {
    it('forwards the abort to the script as SIGINT, reports cancelled and runs the always() post', async () => {
      const controller = new AbortController();
      const log = new RecordingLog((line) => line === 'ready' && controller.abort());
      const { result } = await run('slow', { log, signal: controller.signal });
      assert.equal(result.result, 'cancelled');
      assert.equal(result.exitCode, 130);
      assert.deepEqual(
        result.phases.map((p) => [p.phase, p.status, p.signal]),
        [
          ['main', 'cancelled', 'SIGINT'],
          ['post', 'success', undefined],
        ],
      );
      assert.deepEqual(log.lines(), ['ready', 'post ran']);
    });

    it('forwards SIGTERM when the abort reason names it', async () => {
      const controller = new AbortController();
      const log = new RecordingLog((line) => line === 'ready' && controller.abort('SIGTERM'));
      const { result } = await run('slow', { log, signal: controller.signal });
      assert.equal(result.exitCode, 143);
      assert.equal(result.phases[0]?.signal, 'SIGTERM');
    });

    it('runs nothing when cancelled before the start', async () => {
      const { result, log } = await run('lifecycle', { signal: AbortSignal.abort() });
      assert.equal(result.result, 'cancelled');
      assert.deepEqual(
        result.phases.map((p) => [p.phase, p.status, p.reason]),
        [
          ['pre', 'skipped', 'the run was cancelled'],
          ['main', 'skipped', 'the run was cancelled'],
          ['post', 'skipped', 'neither pre nor main ran'],
        ],
      );
      assert.deepEqual(log.lines(), []);
    });
  });

  describe('environment', () => {
    it('maps Bitbucket PR pipeline variables to GITHUB_*, writes the event and runs in the clone dir', async () => {
      const { result, log } = await run('env-dump', {
        env: minimalEnv({
          BITBUCKET_CLONE_DIR: scratch,
          BITBUCKET_REPO_FULL_NAME: 'team/service',
          BITBUCKET_WORKSPACE: 'team',
          BITBUCKET_COMMIT: 'abc123',
          BITBUCKET_BRANCH: 'feature/login',
          BITBUCKET_PR_ID: '42',
          BITBUCKET_PR_DESTINATION_BRANCH: 'main',
          BITBUCKET_BUILD_NUMBER: '314',
        }),
      });
      assert.equal(result.result, 'success');
      const seen = parseEnvDump(log.printedLine(0));
      const {
        GITHUB_EVENT_PATH,
        GITHUB_OUTPUT,
        GITHUB_ENV,
        GITHUB_PATH,
        GITHUB_STATE,
        GITHUB_STEP_SUMMARY,
        RUNNER_TEMP,
        ...env
      } = seen.env;
      assert.deepEqual(env, {
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTION_PATH: path.join(FIXTURES, 'env-dump'),
        GITHUB_BASE_REF: 'main',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_HEAD_REF: 'feature/login',
        GITHUB_REF: 'refs/pull/42/merge',
        GITHUB_REF_NAME: '42/merge',
        GITHUB_REF_TYPE: 'branch',
        GITHUB_REPOSITORY: 'team/service',
        GITHUB_REPOSITORY_OWNER: 'team',
        GITHUB_RUN_ID: '314',
        GITHUB_RUN_NUMBER: '314',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_API_URL: 'https://api.github.com',
        GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
        GITHUB_ACTION: '__self',
        GITHUB_ACTOR: 'crosscheck',
        GITHUB_JOB: 'pipelines-step',
        GITHUB_WORKFLOW: 'bitbucket-pipelines.yml',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_SHA: 'abc123',
        GITHUB_WORKSPACE: scratch,
        RUNNER_ARCH: { x64: 'X64', arm64: 'ARM64' }[process.arch as string] ?? process.arch.toUpperCase(),
        RUNNER_OS: { win32: 'Windows', darwin: 'macOS' }[process.platform as string] ?? 'Linux',
        RUNNER_NAME: 'Bitbucket Pipelines',
        RUNNER_ENVIRONMENT: 'self-hosted',
        RUNNER_TOOL_CACHE: path.join(os.homedir(), '.cache', 'crosscheck', 'tool-cache'),
      });
      const repo = {
        full_name: 'team/service',
        name: 'service',
        owner: { login: 'team' },
        default_branch: 'main',
      };
      assert.deepEqual(seen.event, {
        action: 'synchronize',
        number: 42,
        pull_request: {
          number: 42,
          head: { ref: 'feature/login', sha: 'abc123', repo },
          base: { ref: 'main', repo },
        },
        repository: repo,
      });
      assert.equal(await fs.realpath(seen.cwd), await fs.realpath(scratch));
      assert.equal(seen.tempExists, true);
      assert.ok(RUNNER_TEMP, 'RUNNER_TEMP is set');
      const runDirectory = path.dirname(RUNNER_TEMP);
      assert.equal(GITHUB_EVENT_PATH, path.join(runDirectory, 'event.json'));
      for (const file of [GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STATE, GITHUB_STEP_SUMMARY]) {
        assert.ok(file, 'every file command is set');
        assert.match(path.relative(runDirectory, path.dirname(file)), /^phases[/\\]\d+-main$/);
      }
      await assert.rejects(fs.stat(RUNNER_TEMP), { code: 'ENOENT' }, 'RUNNER_TEMP is removed after the run');
    });

    it('runs node12 actions on the current Node.js with a notice', async () => {
      const { result, log } = await run('node12');
      assert.equal(result.outputs['node-major'], process.versions.node.split('.')[0]);
      assert.deepEqual(log.annotations, [
        {
          level: 'notice',
          message: `This action asks for node12; it runs on Node.js ${process.versions.node} (the Node.js running crosscheck), as GitHub runs actions for retired Node.js versions on a newer one.`,
          source: 'runner',
        },
      ]);
    });
  });

  describe('refused actions', () => {
    async function refusal(actionPath: string): Promise<string> {
      const log = new RecordingLog();
      const error = await runAction({ actionPath, inputs: {}, env: minimalEnv(), cwd: FIXTURES, log }).then(
        () => assert.fail('expected a refusal'),
        (caught: Error) => caught,
      );
      assert.ok(error instanceof ActionDefinitionError, String(error));
      assert.deepEqual(log.entries, [], 'nothing ran');
      return error.message;
    }

    it('refuses a docker action and a docker:// reference', async () => {
      assert.match(await refusal('docker'), /Docker container actions are not supported/);
      assert.match(await refusal('docker://alpine:3'), /Docker image actions are not supported/);
    });

    it('refuses an action without runs.main, and one whose main script is not built', async () => {
      assert.match(await refusal('missing-main'), /runs\.main is missing/);
      await fs.writeFile(
        path.join(scratch, 'action.yml'),
        'name: Unbuilt\nruns:\n  using: node20\n  main: dist/index.js\n',
      );
      assert.match(
        await refusal(scratch),
        /runs\.main 'dist\/index\.js' does not exist in .*Build the action first/,
      );
    });

    it('refuses malformed YAML with the position of the problem', async () => {
      await fs.writeFile(
        path.join(scratch, 'action.yml'),
        'name: Broken\ndescription: [unclosed\nruns:\n  using: node20\n',
      );
      assert.match(await refusal(scratch), /action\.yml is not valid YAML: .*line \d+, column \d+/);
    });

    it('refuses remote references without a fetcher, missing folders and folders without action.yml', async () => {
      assert.match(
        await refusal('actions/checkout@v4'),
        /is a remote action, and remote actions are not enabled/,
      );
      assert.match(await refusal('no-such-folder'), /Action folder '.*no-such-folder' does not exist/);
      assert.match(await refusal(scratch), /No action\.yml or action\.yaml in/);
    });
  });
});
