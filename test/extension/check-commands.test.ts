// Test Connection, Run Central Check, Show Build Statuses and the finished-run notification with an in-memory editor
// against the sandbox over real HTTP: what each refuses before sending, what it sends, shows, logs and opens.
import * as assert from 'node:assert/strict';
import { InputError } from '../../src/core/errors';
import { catching } from '../../src/extension/model/commands/catching';
import { notifyFinished } from '../../src/extension/model/commands/finished-run';
import { runCheck } from '../../src/extension/model/commands/run-check';
import { showStatus } from '../../src/extension/model/commands/show-status';
import { testConnection } from '../../src/extension/model/commands/test-connection';
import { ActionableError } from '../../src/extension/model/errors';
import { seed, type Sandbox } from '../../src/sandbox';
import { aRun } from './support/builders';
import { commandHarness, type CommandHarness, useCommandHarness } from './support/command-harness';
import { FakeCommands, FakeWindow, FakeWorkspace } from './support/fake-editor';
import { loginBranch, requestsSince } from './support/sandbox';

const HEAD = seed.webApp.pullRequest.sourceCommit;
const SHORT = HEAD.slice(0, 7);

/** Asserts an ActionableError with this message and these button titles. */
function actionable(message: RegExp, buttons: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof ActionableError, String(error));
    assert.match(error.message, message);
    assert.deepEqual(
      error.actions.map((action) => action.title),
      buttons,
    );
    return true;
  };
}

describe('Test Connection command', () => {
  let sandbox: Sandbox;
  let editor: CommandHarness;
  useCommandHarness((started, harness) => {
    sandbox = started;
    editor = harness;
  });

  it('asks to sign in when no credential is stored, sending nothing', async () => {
    await assert.rejects(testConnection(editor), actionable(/not signed in/, ['Sign In']));
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('probes the open repository and the central one, logs both reports and offers the details', async () => {
    await editor.signInAsDemo();
    editor.window.clickOn = () => 'Show Details';
    const reports = await testConnection(editor);
    await editor.window.clicksSettled();

    assert.equal(reports.length, 2);
    const probed = requestsSince(sandbox, 0);
    for (const repo of ['acme/web-app', 'acme/central-checks']) {
      assert.ok(probed.includes(`GET /2.0/repositories/${repo}`), `${repo} probed`);
    }
    assert.deepEqual(
      editor.window.progress.map((shown) => shown.title),
      ['Crosscheck: testing the connection'],
    );
    assert.ok((editor.window.progress[0]?.reports.length ?? 0) >= 2);
    assert.ok(editor.log.written.includes('Connection test for acme/web-app:'));
    assert.ok(editor.log.written.includes('Connection test for acme/central-checks:'));
    assert.deepEqual(editor.window.messages, [
      {
        tone: 'info',
        message: 'Bitbucket connection works (authenticated as Dana Developer).',
        buttons: ['Show Details'],
      },
    ]);
    assert.equal(editor.log.shown, 1);
  });

  it('probes the central repository once when it is the open one', async () => {
    await editor.signInAsDemo();
    editor.workspace.settings.centralRepository = 'acme/web-app';
    assert.equal((await testConnection(editor)).length, 1);
  });

  it('in Restricted Mode, checks the credential only and reads no repository setting', async () => {
    await editor.signInAsDemo();
    editor.workspace.trusted = false;
    const reports = await testConnection(editor);
    assert.equal(reports.length, 1);
    assert.ok(editor.log.written.includes('Connection test (Restricted Mode: no repository probed):'));
    assert.deepEqual(editor.workspace.settingsRoots, []);
    assert.deepEqual(
      requestsSince(sandbox, 0).filter((request) => request.includes('/repositories/')),
      [],
    );
  });

  it('reports the first failure as an error message with its fix', async () => {
    // A repository access token of acme/web-app cannot read acme/central-checks.
    await editor.store.save({ kind: 'access-token', token: sandbox.demo.repoAccessToken, source: 'x' });
    await testConnection(editor);
    const [shown] = editor.window.messages;
    assert.ok(shown);
    assert.equal(shown.tone, 'error');
    assert.match(shown.message, /^Connection problem: /);
    assert.deepEqual(shown.buttons, ['Show Details']);
  });

  it('refuses a malformed central repository setting before probing', async () => {
    await editor.signInAsDemo();
    editor.workspace.settings.centralRepository = 'central-checks';
    await assert.rejects(testConnection(editor), InputError);
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });
});

describe('Run Central Check command', () => {
  let sandbox: Sandbox;
  let editor: CommandHarness;
  useCommandHarness(
    (started, harness) => {
      sandbox = started;
      editor = harness;
    },
    { centralRunStepMs: 10_000 },
  );

  it('refuses, sending nothing, in Restricted Mode, without a repository, before a push, on a detached HEAD, without settings or a sign-in', async () => {
    const cases: Array<[string, (workspace: FakeWorkspace) => void, RegExp, string[]]> = [
      ['untrusted', (w) => (w.trusted = false), /Restricted Mode/, ['Manage Workspace Trust']],
      ['no repository', (w) => (w.repository = undefined), /No open git repository/, []],
      [
        'ahead',
        (w) => (w.repository = loginBranch({ ahead: 1 })),
        /1 commit ahead of origin\/feature\/login/,
        ['Push'],
      ],
      [
        // A detached HEAD cannot be pushed: no Push button, only what to check out.
        'detached',
        (w) => (w.repository = loginBranch({ branch: undefined, upstream: undefined })),
        /is detached, so there is no branch to run the check for/,
        [],
      ],
      [
        'no central repository',
        (w) => (w.settings.centralRepository = ' '),
        /crosscheck\.centralRepository is not set/,
        ['Open Settings'],
      ],
      ['signed out', () => undefined, /not signed in/, ['Sign In']],
    ];
    for (const [name, arrange, message, buttons] of cases) {
      const subject = commandHarness(sandbox);
      arrange(subject.workspace);
      await assert.rejects(runCheck(subject), actionable(message, buttons), name);
      assert.deepEqual(subject.window.progress, [], name);
      subject.dispose();
    }
    assert.deepEqual(requestsSince(sandbox, 0), []);
    assert.equal(sandbox.pipelines(seed.centralChecks.fullName).length, 0);
  });

  it('starts the central pipeline for HEAD, marks it INPROGRESS, follows the run and says so', async () => {
    await editor.signInAsDemo();
    const run = await runCheck(editor);
    assert.ok(run, 'a run was started');

    const [pipeline] = sandbox.pipelines(seed.centralChecks.fullName);
    assert.ok(pipeline);
    assert.equal(run.uuid, pipeline.uuid);
    assert.equal(run.startedAt, editor.clock.now(), 'the injected clock stamps the run');
    assert.deepEqual(editor.window.progress, [
      { title: `Crosscheck: starting sonar-pr-check for ${SHORT}`, reports: ['in acme/central-checks'] },
    ]);
    const [status] = sandbox.buildStatuses(seed.webApp.fullName, HEAD);
    assert.ok(status);
    assert.deepEqual([status.key, status.state, status.name], ['sonar', 'INPROGRESS', 'sonar']);
    assert.deepEqual(editor.runs.forCommit(run.repo, HEAD)?.uuid, run.uuid, 'the refresher follows it');
    assert.deepEqual(editor.log.written, [
      `Started sonar-pr-check #${run.buildNumber} in acme/central-checks for acme/web-app@${SHORT}: ${run.runUrl}`,
    ]);
    assert.deepEqual(editor.window.messages, [
      {
        tone: 'info',
        message: `Crosscheck: sonar-pr-check started for ${SHORT} (pull request #7); sonar is INPROGRESS.`,
        buttons: ['Open Panel', 'Open Run'],
      },
    ]);
  });

  it('keeps the name of the status already shown on HEAD, and opens the run or the panel as clicked', async () => {
    await editor.signInAsDemo();
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, {
      key: 'sonar',
      state: 'FAILED',
      name: 'SonarQube gate',
    });
    await editor.refresher.refresh();
    editor.window.clickOn = () => 'Open Run';
    const run = await runCheck(editor);
    assert.ok(run, 'a run was started');
    await editor.window.clicksSettled();
    assert.equal(sandbox.buildStatuses(seed.webApp.fullName, HEAD)[0]?.name, 'SonarQube gate');
    assert.deepEqual(editor.commands.opened, [run.runUrl]);

    editor.window.clickOn = () => 'Open Panel';
    await runCheck(editor);
    await editor.window.clicksSettled();
    assert.deepEqual(editor.commands.commandsRun(), [['crosscheck.openPanel']]);
  });

  it('runs the central branch the settings name, without asking Bitbucket for the main branch', async () => {
    await editor.signInAsDemo();
    editor.workspace.settings.centralBranch = ' main ';
    await runCheck(editor);
    assert.equal(sandbox.pipelines(seed.centralChecks.fullName)[0]?.refName, 'main');
    assert.deepEqual(
      requestsSince(sandbox, 0).filter((request) => request === 'GET /2.0/repositories/acme/central-checks'),
      [],
    );
  });

  it('shows the explanation of a refused trigger, with Show Logs, and follows nothing', async () => {
    await editor.signInAsDemo();
    editor.workspace.settings.centralPipeline = 'sonar-pr-chek';
    assert.equal(await catching(editor, () => runCheck(editor))(), undefined);
    assert.deepEqual(editor.window.messages, [
      {
        tone: 'error',
        message:
          'acme/central-checks has no custom pipeline "sonar-pr-chek" in the bitbucket-pipelines.yml of its main branch. ' +
          'Check the name under pipelines: custom: in acme/central-checks (names are case-sensitive), ' +
          'or give crosscheck.centralBranch the branch that has it.',
        buttons: ['Show Logs'],
      },
    ]);
    assert.deepEqual(editor.runs.all(), []);
    assert.deepEqual(sandbox.buildStatuses(seed.webApp.fullName, HEAD), []);
  });

  it('logs a failed INPROGRESS mark and still follows the run', async () => {
    await editor.signInAsDemo();
    sandbox.injectFaults({ method: 'POST', pathPattern: /\/statuses\/build/, faults: [500] });
    const run = await runCheck(editor);
    assert.ok(run, 'a run was started');
    assert.equal(editor.log.errors.length, 1);
    assert.equal(editor.runs.forCommit(run.repo, HEAD)?.uuid, run.uuid);
    assert.match(
      editor.window.messages[0]?.message ?? '',
      new RegExp(`started for ${SHORT} \\(pull request #7\\)\\.$`),
    );
  });
});

describe('Show Build Statuses command', () => {
  let sandbox: Sandbox;
  let editor: CommandHarness;
  useCommandHarness((started, harness) => {
    sandbox = started;
    editor = harness;
  });

  it('sends nothing in Restricted Mode', async () => {
    editor.workspace.trusted = false;
    await assert.rejects(showStatus(editor), actionable(/Restricted Mode/, ['Manage Workspace Trust']));
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('loads the state first and says why there is nothing to show (signed out, not pushed)', async () => {
    await assert.rejects(showStatus(editor), actionable(/not signed in/, ['Sign In']));
    editor.workspace.repository = loginBranch({ upstream: undefined });
    await assert.rejects(showStatus(editor), actionable(/has not been pushed/, ['Push']));
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('lists the statuses on HEAD and opens the picked one; a link that is not http(s) is not opened', async () => {
    await editor.signInAsDemo();
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, {
      key: 'sonar',
      state: 'SUCCESSFUL',
      name: 'SonarQube',
      description: 'Quality gate passed',
      url: 'https://sonar.example/dashboard?id=web-app',
    });
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, {
      key: 'lint',
      state: 'FAILED',
      url: 'javascript:alert(1)',
    });
    editor.window.answer('$(check) SonarQube');
    await showStatus(editor);
    const [pick] = editor.window.picks;
    assert.ok(pick);
    assert.equal(pick.options.title, `Build statuses on acme/web-app ${SHORT}`);
    assert.deepEqual(
      pick.items.map((item) => [item.label, item.description?.split(' · ')[0], item.detail]).sort(),
      [
        ['$(check) SonarQube', 'SUCCESSFUL', 'Quality gate passed'],
        ['$(error) lint', 'FAILED', undefined],
      ].sort(),
    );
    assert.deepEqual(editor.commands.opened, ['https://sonar.example/dashboard?id=web-app']);

    editor.window.answer('$(error) lint');
    await showStatus(editor);
    assert.equal(editor.commands.opened.length, 1);
  });

  it('says when HEAD has no status yet, without a picker', async () => {
    await editor.signInAsDemo();
    await showStatus(editor);
    assert.deepEqual(editor.window.picks, []);
    assert.deepEqual(editor.window.messagesOf('info'), [`No build statuses on ${SHORT} yet.`]);
  });
});

describe('finished-run notification', () => {
  function notify(state: 'SUCCESSFUL' | 'FAILED' | 'STOPPED' | undefined, enabled = true) {
    const window = new FakeWindow();
    const commands = new FakeCommands();
    const workspace = new FakeWorkspace(() => 'https://api.bitbucket.org/2.0');
    workspace.notify = enabled;
    window.clickOn = () => 'Open Panel';
    const run = aRun({ finished: { at: 0, state, summary: 'sonar-pr-check #12 finished' } });
    notifyFinished({ run, summary: 'sonar-pr-check #12 finished' }, { window, commands, workspace });
    return { window, commands };
  }

  it('uses the tone of the verdict and opens the panel on click', async () => {
    const tones = [];
    for (const state of ['SUCCESSFUL', 'STOPPED', 'FAILED', undefined] as const) {
      const { window, commands } = notify(state);
      await window.clicksSettled();
      tones.push(window.messages.map((shown) => [shown.tone, shown.message, shown.buttons]));
      assert.deepEqual(commands.commandsRun(), [['crosscheck.openPanel']]);
    }
    assert.deepEqual(tones, [
      [['info', 'Crosscheck (acme/web-app): sonar-pr-check #12 finished', ['Open Panel']]],
      [['warning', 'Crosscheck (acme/web-app): sonar-pr-check #12 finished', ['Open Panel']]],
      [['error', 'Crosscheck (acme/web-app): sonar-pr-check #12 finished', ['Open Panel']]],
      [['error', 'Crosscheck (acme/web-app): sonar-pr-check #12 finished', ['Open Panel']]],
    ]);
  });

  it('stays silent when crosscheck.notifyOnFinish is off', () => {
    assert.deepEqual(notify('FAILED', false).window.messages, []);
  });
});
