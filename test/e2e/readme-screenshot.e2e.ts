// Takes the screenshot the extension's README (media/README.md, the .vsix's page) shows: the packaged extension in
// code-server against the sandbox, signed in, a pull request with a failed check, the PR Status panel open.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Workbench } from './support/browser';
import { FIXTURE, UiSession } from './support/uiSession';
import { repositoryRoot } from './support/vscodeServer';
import { commandPaletteTitles } from './support/vsix';

const extensionFolder = path.resolve(process.env.CROSSCHECK_E2E_EXTENSION ?? repositoryRoot);
/** Where the README's screenshot lives (packed into the .vsix with the rest of media/). */
export const README_SCREENSHOT = path.join(repositoryRoot, 'media', 'readme', 'status-panel.png');

describe('the extension README screenshot (code-server + Chromium)', function () {
  this.timeout(180_000);
  let session: UiSession | undefined;

  before(async () => {
    session = await UiSession.start(extensionFolder);
  });
  after(async () => {
    await session?.close();
  });

  /** The palette title of a command of the manifest, e.g. 'Crosscheck: Open PR Status Panel'. */
  function title(command: string): string {
    const manifest = (session as UiSession).manifest;
    const index = (manifest.contributes?.commands ?? []).findIndex((entry) => entry.command === command);
    const found = commandPaletteTitles(manifest)[index];
    assert.ok(found, `the manifest has no palette title for ${command}`);
    return found;
  }

  async function signIn(workbench: Workbench): Promise<void> {
    const { sandbox } = session as UiSession;
    await workbench.runCommand(title('crosscheck.signIn'));
    await workbench.waitForQuickInputTitle('Sign In to Bitbucket');
    await workbench.typeIntoQuickInput('Atlassian API token');
    await workbench.waitForQuickInputTitle('Sign In to Bitbucket (1/2)');
    await workbench.typeIntoQuickInput(sandbox.demo.email);
    await workbench.waitForQuickInputTitle('Sign In to Bitbucket: API token (2/2)');
    await workbench.typeIntoQuickInput(sandbox.demo.apiToken);
    await workbench.waitForStatusBarLabel(
      'crosscheck.status',
      `$(circle-large-outline) ${FIXTURE.checkKey}`,
      30_000,
    );
  }

  it('signs in, shows a failed SonarQube check and a passing lint on the PR, and saves media/readme/status-panel.png', async () => {
    const { sandbox, fixture } = session as UiSession;
    fixture.checkout(FIXTURE.branch);
    const workbench = await (session as UiSession).openWindow();
    await signIn(workbench);
    const head = fixture.head();
    sandbox.setBuildStatus(FIXTURE.repo, head, {
      key: FIXTURE.checkKey,
      state: 'FAILED',
      name: 'SonarQube',
      description: 'Quality gate failed: Coverage on New Code 62.5% < 80%; New Bugs 3 > 0',
    });
    sandbox.setBuildStatus(FIXTURE.repo, head, {
      key: 'lint',
      state: 'SUCCESSFUL',
      name: 'ESLint',
      description: 'No problems',
    });
    await workbench.runCommand(title('crosscheck.refresh'));
    await workbench.waitForStatusBarLabel('crosscheck.status', `$(error) ${FIXTURE.checkKey}`, 30_000);
    await workbench.runCommand(title('crosscheck.openPanel'));
    const panel = await workbench.findWebviewFrame('#crosscheck-root li.status[data-key="lint"]', 30_000);
    assert.equal(await panel.locator('#crosscheck-root li.status').count(), 2);
    fs.mkdirSync(path.dirname(README_SCREENSHOT), { recursive: true });
    await workbench.page.setViewportSize({ width: 1280, height: 720 });
    await workbench.page.waitForTimeout(500);
    await workbench.page.screenshot({ path: README_SCREENSHOT });
    assert.ok(fs.statSync(README_SCREENSHOT).size > 10_000, 'the screenshot is not empty');
    // A copy beside the other UI artefacts, for CI's logs.
    await workbench.screenshot('readme-status-panel');
  });
});
