// End-to-end UI scenarios of the central check's findings and run log: the packaged extension in code-server, driven
// in Chromium, against the sandbox: Problems after a failing gate with annotations, a click opens the right line, a
// local edit above a finding moves it, and the log tab shows the lines of a live run (then Stop).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { connectBitbucket } from '../../src/core/bitbucket/connection';
import { gateVerdict } from '../../src/core/sonar/gate';
import { gateReport, issuesToAnnotations } from '../../src/core/sonar/insights';
import type { SonarIssue } from '../../src/core/sonar/types';
import type { PipelineRun } from '../../src/sandbox';
import { seriousViolations } from './support/accessibility';
import type { Workbench } from './support/browser';
import { FIXTURE, UiSession } from './support/uiSession';
import { waitUntil } from './support/wait';
import { repositoryRoot } from './support/vscodeServer';
import { commandPaletteTitles } from './support/vsix';

const extensionFolder = path.resolve(process.env.CROSSCHECK_E2E_EXTENSION ?? repositoryRoot);

/** The analysed file: 30 numbered lines, committed and pushed on the pull request's branch. */
const ANALYSED_FILE = 'src/login.ts';
const SOURCE =
  Array.from({ length: 30 }, (_, index) => `export const line${index + 1} = ${index + 1};`).join('\n') + '\n';

/** What the scanner found (SonarQube issues as the central check posts them, through the core's own mapping). */
const ISSUES: SonarIssue[] = [
  {
    key: 'AX-1',
    rule: 'typescript:S2068',
    severity: 'BLOCKER',
    type: 'VULNERABILITY',
    component: 'web-app:src/login.ts',
    line: 5,
    message: 'Hard-coded password',
  },
  {
    key: 'AX-2',
    rule: 'typescript:S1854',
    severity: 'MAJOR',
    type: 'CODE_SMELL',
    component: 'web-app:src/login.ts',
    line: 12,
    message: 'Remove this useless assignment',
  },
  {
    key: 'AX-3',
    rule: 'typescript:S1481',
    severity: 'MINOR',
    type: 'CODE_SMELL',
    component: 'web-app:src/login.ts',
    line: 20,
    message: 'Remove the unused local variable',
  },
  {
    key: 'AX-4',
    rule: 'typescript:S1186',
    severity: 'MAJOR',
    type: 'CODE_SMELL',
    component: 'web-app:src/not-in-this-tree.ts',
    line: 3,
    message: 'Empty function',
  },
];

describe('Crosscheck findings and run log in VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  let session: UiSession | undefined;
  let head = '';
  const current = (): UiSession => {
    if (!session) throw new Error('the UI session did not start (see the before hook)');
    return session;
  };
  const title = (command: string): string => {
    const { manifest } = current();
    const index = (manifest.contributes?.commands ?? []).findIndex(
      (candidate) => candidate.command === command,
    );
    const found = commandPaletteTitles(manifest)[index];
    if (index < 0 || found === undefined) throw new Error(`the manifest contributes no command ${command}`);
    return found;
  };

  /** A window signed in with the demo API token through the input boxes (once per session: SecretStorage keeps it). */
  async function signedInWindow(): Promise<Workbench> {
    const { sandbox } = current();
    const workbench = await current().openWindow();
    const label = async () => (await workbench.findStatusBarItem('crosscheck.status'))?.label;
    const first = await waitUntil(async () => {
      const shown = await label();
      return shown?.includes('Crosscheck') || shown?.endsWith(` ${FIXTURE.checkKey}`) ? shown : undefined;
    }, 'the status bar did not settle');
    if (first.includes('Crosscheck')) {
      await workbench.runCommand(title('crosscheck.signIn'));
      await workbench.waitForQuickInputTitle('Sign In to Bitbucket');
      await workbench.typeIntoQuickInput('Atlassian API token');
      await workbench.waitForQuickInputTitle('Sign In to Bitbucket (1/2)');
      await workbench.typeIntoQuickInput(sandbox.demo.email);
      await workbench.waitForQuickInputTitle('Sign In to Bitbucket: API token (2/2)');
      await workbench.typeIntoQuickInput(sandbox.demo.apiToken);
    }
    return workbench;
  }

  /** VS Code's own Problems counts in the status bar: errors, warnings, infos. */
  async function problemCounts(workbench: Workbench): Promise<[number, number, number]> {
    const item = await workbench.readStatusBarItem('status.problems');
    const count = (icon: string) =>
      Number(new RegExp(`\\$\\(${icon}\\) (\\d+)`).exec(item.label)?.[1] ?? '0');
    return [count('error'), count('warning'), count('info')];
  }

  /** The rows of the Problems view: message and position, e.g. "Hard-coded password … [Ln 5, Col 1]". */
  async function problemRows(workbench: Workbench): Promise<string[]> {
    return (await workbench.page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map((text) =>
      text.replace(/\s+/g, ' ').trim(),
    );
  }

  before(async function () {
    session = await UiSession.start(extensionFolder);
    const { sandbox, fixture } = session;
    // The pull request's branch gets the analysed file, pushed; Bitbucket knows the commit.
    fixture.checkout(FIXTURE.branch);
    const parent = fixture.head();
    fs.mkdirSync(path.join(fixture.root, 'src'), { recursive: true });
    fs.writeFileSync(path.join(fixture.root, ANALYSED_FILE), SOURCE);
    fixture.git('add', ANALYSED_FILE);
    fixture.git('commit', '-q', '-m', 'Add the login module');
    head = fixture.head();
    fixture.git('update-ref', `refs/remotes/origin/${FIXTURE.branch}`, head);
    sandbox.addCommit(FIXTURE.repo, head, {
      branch: FIXTURE.branch,
      parents: [parent],
      message: 'Add the login module',
    });
  });

  after(async function () {
    await session?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session)
      console.log(
        `      failure artifacts: ${await session.keepFailureArtifacts(this.currentTest.title.replace(/[^\w-]+/g, '-').slice(0, 60))}`,
      );
  });

  it('F1 a failing gate with annotations: Problems counts them, a click opens the line, an edit above moves it', async function () {
    const { sandbox, fixture } = current();
    // What `crosscheck sonar-gate --report --annotations` posts on the pull request's commit, then its status.
    const bitbucket = connectBitbucket({
      credentials: { email: sandbox.demo.email, apiToken: sandbox.demo.apiToken },
      apiUrl: sandbox.bitbucketApiUrl,
      transport: { userAgent: 'central-pipeline/e2e', retry: { retries: 0 } },
    }).api;
    const repo = { workspace: FIXTURE.repo.split('/')[0] ?? '', slug: FIXTURE.repo.split('/')[1] ?? '' };
    const verdict = gateVerdict({
      status: 'ERROR',
      conditions: [
        {
          status: 'ERROR',
          metricKey: 'new_coverage',
          comparator: 'LT',
          errorThreshold: '80',
          actualValue: '62.5',
        },
      ],
    });
    await bitbucket.putReport(
      repo,
      head,
      FIXTURE.checkKey,
      gateReport(verdict, {
        title: 'SonarQube',
        link: `${sandbox.sonarUrl}/dashboard?id=web-app`,
        projectKey: 'web-app',
      }),
    );
    await bitbucket.postAnnotations(
      repo,
      head,
      FIXTURE.checkKey,
      issuesToAnnotations(
        ISSUES,
        'web-app',
        (issue) => `${sandbox.sonarUrl}/project/issues?id=web-app&open=${issue.key}`,
      ),
    );
    sandbox.setBuildStatus(FIXTURE.repo, head, {
      key: FIXTURE.checkKey,
      state: 'FAILED',
      name: 'SonarQube',
      description: 'Coverage on New Code 62.5% < 80%',
    });

    const workbench = await signedInWindow();
    const counted = Date.now();
    const counts = await waitUntil(async () => {
      const shown = await problemCounts(workbench).catch(() => undefined);
      return shown && shown[0] + shown[1] + shown[2] === 3 ? shown : undefined;
    }, 'Problems did not count the three findings placed');
    console.log(`      window open → findings in Problems: ${Date.now() - counted} ms`);
    // BLOCKER → error, MAJOR → warning, MINOR → info; the finding on a file not in the tree is counted apart.
    assert.deepEqual(counts, [1, 1, 1]);
    const item = await workbench.readStatusBarItem('crosscheck.findings');
    assert.equal(item.label, '$(checklist) 3 $(eye-closed) 1');
    assert.match(item.ariaLabel ?? '', /1 finding not shown: 1 in files not in the working tree/);

    // The status item opens Problems; a click on the finding opens the file at its line.
    await workbench.page.locator('.statusbar-item[id*="crosscheck.findings"]').click();
    const row = workbench.page.locator('.markers-panel .monaco-list-row', { hasText: 'Hard-coded password' });
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    assert.ok(
      (await problemRows(workbench)).some((text) =>
        /Hard-coded password.*SonarQube.*\[Ln 5, Col 1\]/.test(text),
      ),
      JSON.stringify(await problemRows(workbench)),
    );
    await row.click();
    await workbench.page
      .locator('.tab.active', { hasText: 'login.ts' })
      .waitFor({ state: 'visible', timeout: 15_000 });
    const selection = await waitUntil(async () => {
      const shown = await workbench.findStatusBarItem('status.editor.selection');
      return shown?.text.startsWith('Ln 5,') ? shown.text : undefined;
    }, 'the editor did not open at line 5');
    // VS Code selects the finding's range on line 5.
    assert.match(selection, /^Ln 5, Col \d+/);
    await workbench.screenshot('F1-findings-in-problems');

    // A line typed above the finding (not saved yet) moves it to line 6; saved, git diff keeps it there.
    const editor = workbench.page.locator('.monaco-editor .view-lines').first();
    await editor.click();
    await workbench.page.keyboard.press('Control+Home');
    await workbench.page.keyboard.type('// a comment added above\n');
    await waitUntil(
      async () =>
        (await problemRows(workbench)).some((text) => /Hard-coded password.*\[Ln 6, Col 1\]/.test(text))
          ? true
          : undefined,
      () => 'the finding did not move to line 6 after the edit',
    );
    await workbench.page.keyboard.press('Control+s');
    await waitUntil(
      () =>
        fs.readFileSync(path.join(fixture.root, ANALYSED_FILE), 'utf8').startsWith('// a comment')
          ? true
          : undefined,
      'the edit was not saved',
    );
    // Saved: placed through git diff now, at the same lines.
    let rows: string[] = [];
    await waitUntil(
      async () => {
        rows = await problemRows(workbench);
        const moved =
          rows.some((text) => /Hard-coded password.*\[Ln 6, Col 1\]/.test(text)) &&
          rows.some((text) => /Remove this useless assignment.*\[Ln 13, Col 1\]/.test(text));
        return moved ? true : undefined;
      },
      () => `the saved edit did not leave the findings on lines 6 and 13: ${JSON.stringify(rows)}`,
    );
    // Editing the finding's own line drops it, and the count says so.
    await workbench.page.keyboard.press('Control+Home');
    for (let line = 1; line < 6; line++) await workbench.page.keyboard.press('ArrowDown');
    await workbench.page.keyboard.press('End');
    await workbench.page.keyboard.type(' // reviewed');
    await workbench.page.keyboard.press('Control+s');
    await waitUntil(
      async () =>
        (await workbench.findStatusBarItem('crosscheck.findings'))?.label === '$(checklist) 2 $(eye-closed) 2'
          ? true
          : undefined,
      'the edited finding was not dropped',
    );
    await workbench.screenshot('F1-edit-moves-finding');
    fixture.git('checkout', '--', ANALYSED_FILE);

    // The panel shows the gate's conditions as a table, read from the report (no Sonar credential in the editor).
    await workbench.runCommand(title('crosscheck.openPanel'));
    const panel = await workbench.findWebviewFrame('#crosscheck-root section.gate', 20_000);
    const cells = await panel
      .locator('#crosscheck-root section.gate tbody tr')
      .first()
      .locator('th, td')
      .allInnerTexts();
    assert.deepEqual(
      cells.map((cell) => cell.replace(/\s+/g, ' ').replace(' ,', ',').trim()),
      ['Coverage on New Code, failed', '62.5%', '< 80%'],
    );
    assert.equal(await panel.locator('#crosscheck-root section.gate a.gate-dashboard').count(), 1);
    assert.deepEqual(await seriousViolations(panel), [], 'axe-core on the panel with the gate table');
    await workbench.screenshot('F1-gate-table');
  });

  it('F2 the run log tab shows the lines of a live run, and Stop stops it', async function () {
    const { sandbox } = current();
    const runsBefore = sandbox.pipelines(FIXTURE.central).length;
    // The central pipeline's step writes a line every second until it is stopped.
    sandbox.onPipelineRun(async (_run, ctl) => {
      const step = ctl.addStep({ name: 'SonarQube quality gate' });
      ctl.start();
      step.start();
      for (let line = 1; line <= 300 && !ctl.signal.aborted; line++) {
        step.log(`scanner: analysed file ${line} of 300\n`);
        await ctl.sleep(1000);
      }
    });
    try {
      const workbench = await signedInWindow();
      await workbench.runCommand(title('crosscheck.runCheck'));
      const run = await waitUntil<PipelineRun>(
        () => sandbox.pipelines(FIXTURE.central)[runsBefore],
        'no central run started',
      );
      await workbench.runCommand(title('crosscheck.openRunLog'));
      const tab = workbench.page.locator('.tab', { hasText: `${FIXTURE.pipeline} #${run.buildNumber}.log` });
      await tab.waitFor({ state: 'visible', timeout: 20_000 });
      // Every editor's rendered lines (the log tab is the visible one; hidden editors render nothing).
      const shownText = async () =>
        (await workbench.page.locator('.monaco-editor .view-lines').allInnerTexts())
          .join('\n')
          // The editor renders spaces as no-break spaces.
          .replace(/\u00a0/g, ' ');
      const seen = Date.now();
      const text = await waitUntil(async () => {
        const shown = await shownText();
        return /analysed file \d+ of 300/.test(shown) ? shown : undefined;
      }, 'the log tab showed no lines of the run');
      console.log(`      log tab: lines of the live run shown ${Date.now() - seen} ms after opening`);
      assert.equal(
        sandbox.pipelines(FIXTURE.central)[runsBefore]?.state,
        'IN_PROGRESS',
        'the run was still live',
      );
      const count = (shown: string) =>
        Math.max(0, ...[...shown.matchAll(/analysed file (\d+)/g)].map((m) => Number(m[1])));
      const before = count(text);
      await waitUntil(
        async () => (count(await shownText()) > before ? true : undefined),
        'no further lines came',
      );
      await workbench.screenshot('F2-run-log-live');

      await workbench.page.locator('.editor-actions [aria-label*="Stop Central Run"]').first().click();
      await waitUntil(
        () => (sandbox.pipelines(FIXTURE.central)[runsBefore]?.result === 'STOPPED' ? true : undefined),
        'Stop did not stop the pipeline',
      );
      // The tab followed the end of the log; its top says how the step ended.
      await workbench.page.locator('.monaco-editor .view-lines', { hasText: 'analysed file' }).click();
      await waitUntil(
        async () => {
          await workbench.page.keyboard.press('Control+Home');
          return /Step 1: SonarQube quality gate — COMPLETED STOPPED/.test(await shownText())
            ? true
            : undefined;
        },
        () => 'the log did not show the stopped step',
      );
      await workbench.screenshot('F2-run-log-stopped');
    } finally {
      sandbox.onPipelineRun(undefined);
    }
  });
});
