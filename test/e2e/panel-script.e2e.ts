// The panel's webview script in a real Chromium (Debian's, via playwright-core) under the panel's CSP: handshake, requests, rendering.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { CommitStatus } from '../../src/core/bitbucket/types';
import type { CheckState } from '../../src/extension/model/check-state';
import { renderPanelBody, renderPanelDocument } from '../../src/extension/view/panel-html';
import { announcementOf, panelModel } from '../../src/extension/view/panel-model';
import { aPullRequest, aRun, aSnapshot, aStatus, NOW } from '../extension/support/builders';
import { seriousViolations } from './support/accessibility';

const ORIGIN = 'https://webview.test';
const CHROMIUM = process.env.CROSSCHECK_CHROMIUM ?? '/usr/bin/chromium';
const MEDIA = path.resolve(__dirname, '..', '..', '..', 'media');
const ATTACK = '<img src=x onerror=alert(1)>';

interface Sent {
  req: number;
  command: string;
  args?: unknown;
}

describe('media/panel.js in Chromium', function () {
  let browser: Browser;
  let page: Page;
  let dialogs: string[];

  before(async function () {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run 'bash .ci/setup-vscode.sh' or set CROSSCHECK_CHROMIUM`,
      );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    page = await browser.newPage();
    dialogs = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // The extension's media folder, served as the webview serves it; anything else is refused.
    await page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/panel.html')
        return route.fulfill({ contentType: 'text/html', body: panelDocument() });
      const file = path.join(MEDIA, url.pathname);
      if (!file.startsWith(MEDIA) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'font/ttf';
      return route.fulfill({ contentType: type, body: fs.readFileSync(file) });
    });
    // What VS Code provides inside webviews: postMessage to the host, recorded here.
    await page.addInitScript(`
      window.__sent = [];
      window.acquireVsCodeApi = () => ({ postMessage: (message) => window.__sent.push(message) });
    `);
    await page.goto(`${ORIGIN}/panel.html`);
  });

  afterEach(async () => {
    await page.close();
  });

  function panelDocument(): string {
    const hostile = aStatus({ name: ATTACK, description: '"><script>alert(2)</script>' });
    const body = renderPanelBody(
      panelModel(
        {
          kind: 'loaded',
          snapshot: aSnapshot({
            statuses: [hostile],
            pullRequest: aPullRequest({ title: ATTACK }),
            pullRequestStatuses: [hostile],
          }),
        },
        NOW,
        'https://bitbucket.org',
      ),
    );
    return renderPanelDocument({
      cspSource: ORIGIN,
      nonce: 'dGVzdC1ub25jZQ==',
      scriptUri: `${ORIGIN}/panel.js`,
      styleUri: `${ORIGIN}/panel.css`,
      codiconsUri: `${ORIGIN}/codicons/codicon.css`,
      body,
    });
  }

  // Page-side code is given as strings: these tests are compiled without the DOM library.
  const sent = () => page.evaluate<Sent[]>('window.__sent');
  const hostSays = (message: unknown) => page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
  const readySent = () => page.waitForFunction('window.__sent.length > 0');

  it('says ready once loaded, and shows hostile names as text without running them', async () => {
    await readySent();
    assert.deepEqual(await sent(), [{ req: 1, command: 'ready' }]);
    assert.equal(await page.locator('#crosscheck-root img').count(), 0);
    assert.equal(await page.locator('#crosscheck-root script').count(), 0);
    assert.equal(await page.locator('.pull-request-link').textContent(), ATTACK);
    assert.equal(await page.locator('.status .status-name').textContent(), ATTACK);
    assert.deepEqual(dialogs, []);
  });

  it('swaps in pushed state, and the CSP stops markup that would run script if a renderer ever let some through', async () => {
    await hostSays({
      type: 'state',
      html: `<p id="pushed">pushed</p><img src="x" onerror="alert('inline handler')"><script>alert('inline script')</script>`,
      busy: false,
    });
    await page.locator('#pushed').waitFor();
    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, []);
  });

  it('sends a typed request for a clicked link and button, and shows an error reply', async () => {
    await readySent();
    await page.locator('.status .status-name').click();
    await page.locator('button[data-command="refresh"]').click();
    const requests = await sent();
    assert.deepEqual(requests.slice(1), [
      { req: 2, command: 'openLink', args: { link: 1 } },
      { req: 3, command: 'refresh' },
    ]);
    // The refresh button stays disabled until the host answers.
    assert.equal(await page.locator('button[data-command="refresh"]').isDisabled(), true);
    await hostSays({ seq: 3, err: 'Bitbucket did not answer. <b>not markup</b>' });
    await page.locator('#crosscheck-error').waitFor({ state: 'visible' });
    assert.equal(
      await page.locator('#crosscheck-error').textContent(),
      'Bitbucket did not answer. <b>not markup</b>',
    );
    assert.equal(await page.locator('button[data-command="refresh"]').isDisabled(), false);
  });

  /** Thirty statuses, two pull requests from the branch, a run in progress: the panel at its busiest. */
  function busyState(states: Record<string, CommitStatus['state']> = {}): CheckState {
    const statuses = Array.from({ length: 30 }, (_, index) =>
      aStatus({
        key: `check-${index}`,
        name: `Check ${index}`,
        state:
          states[`check-${index}`] ??
          (index % 9 === 2 ? 'FAILED' : index === 5 ? 'INPROGRESS' : 'SUCCESSFUL'),
      }),
    );
    const second = aPullRequest({ id: 9, title: 'Login form for release 2.0' });
    return {
      kind: 'loaded',
      snapshot: aSnapshot({
        statuses,
        pullRequest: aPullRequest(),
        pullRequests: [aPullRequest(), second],
        pullRequestStatuses: statuses,
        run: aRun(),
      }),
    };
  }
  const push = (state: CheckState, previous?: CheckState) => {
    const model = panelModel(state, NOW, 'https://bitbucket.org');
    const before = previous ? panelModel(previous, NOW, 'https://bitbucket.org') : undefined;
    const announce = announcementOf(before, model);
    return hostSays({
      type: 'state',
      html: renderPanelBody(model).markup,
      busy: false,
      ...(announce ? { announce } : {}),
    });
  };
  const focused = () =>
    page.evaluate<string>(
      `(() => { const e = document.activeElement; return e ? e.tagName + ' ' + (e.getAttribute('data-command') || e.getAttribute('data-key') || e.textContent.trim()) : 'none'; })()`,
    );

  it('has no serious or critical axe-core violations with thirty statuses, two pull requests and a run', async () => {
    await readySent();
    await push(busyState());
    await page.locator('input[data-command="choosePullRequest"]').first().waitFor();
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('by keyboard: the actions come first, and focus, the element and opened groups survive every update', async () => {
    await readySent();
    await push(busyState());
    await page.locator('input[data-command="choosePullRequest"]').first().waitFor();
    // Tab from the top: the first stops are the actions, not thirty status links.
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'BUTTON rerun');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'BUTTON refresh');
    // Mark the focused element and open the collapsed group of passed statuses by keyboard.
    await page.evaluate(`document.activeElement.__marked = true`);
    await page.locator('details[data-group="passed"] > summary').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('details[data-group="passed"]').getAttribute('open'), '');
    await page.locator('button[data-command="refresh"]').focus();
    await page.evaluate(`window.scrollTo(0, 200)`);
    const scrolled = await page.evaluate<number>('window.scrollY');

    // Ten polls: a status changes state each time, every time-stamp is rendered again.
    let previous = busyState();
    for (let poll = 0; poll < 10; poll++) {
      const next = busyState({ 'check-0': poll % 2 ? 'SUCCESSFUL' : 'FAILED' });
      await push(next, previous);
      previous = next;
    }
    // The announcer is filled a moment after it is cleared (so the same words are said again).
    await page.locator('#crosscheck-announcer').filter({ hasText: /./ }).waitFor({ state: 'attached' });
    assert.equal(await focused(), 'BUTTON refresh');
    assert.equal(await page.evaluate('document.activeElement.__marked === true'), true, 'the same element');
    assert.equal(
      await page.locator('details[data-group="passed"]').getAttribute('open'),
      '',
      'the group stays open',
    );
    assert.equal(await page.evaluate<number>('window.scrollY'), scrolled);
    // Only the change of state is said, once, in the one polite live region.
    assert.equal(await page.locator('#crosscheck-announcer').textContent(), 'Check 0: passed.');
    assert.equal(await page.locator('[aria-live]').count(), 1);

    // Enter on Refresh sends it; focus stays on the button while and after the host answers.
    const before = (await sent()).length;
    await page.keyboard.press('Enter');
    const requests = await sent();
    assert.deepEqual(
      requests.slice(before).map((request) => request.command),
      ['refresh'],
    );
    assert.equal(await focused(), 'BUTTON refresh');
    await hostSays({ seq: requests.at(-1)?.req, res: null });
    await push(previous);
    assert.equal(await focused(), 'BUTTON refresh');
  });

  it('picks the pull request the check runs for, and switches repository, by keyboard', async () => {
    await readySent();
    const model = panelModel(busyState(), NOW, 'https://bitbucket.org');
    model.repositories = [
      { label: 'acme/web-app', selected: true },
      { label: 'acme/api-service', selected: false },
    ];
    await hostSays({ type: 'state', html: renderPanelBody(model).markup, busy: false });
    await page.locator('#crosscheck-repository').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.locator('#crosscheck-repository').focus();
    await page.keyboard.press('ArrowDown');
    await page.locator('input[value="7"]').focus();
    await page.keyboard.press('ArrowDown');
    const requests = await sent();
    assert.deepEqual(
      requests.slice(1).map((request) => [request.command, request.args]),
      [
        ['selectRepository', { index: 1 }],
        ['choosePullRequest', { id: 9 }],
      ],
    );
  });

  it('keeps re-run disabled while the host says a run is starting', async () => {
    const html = renderPanelBody(
      panelModel({ kind: 'loaded', snapshot: aSnapshot() }, NOW, 'https://bitbucket.org'),
    ).markup;
    await hostSays({ type: 'state', html, busy: true });
    await page.waitForFunction(`document.getElementById('crosscheck-root').hasAttribute('data-busy')`);
    assert.equal(await page.locator('button[data-command="rerun"]').isDisabled(), true);
    await hostSays({ type: 'state', html, busy: false });
    await page.waitForFunction(`!document.getElementById('crosscheck-root').hasAttribute('data-busy')`);
    assert.equal(await page.locator('button[data-command="rerun"]').isDisabled(), false);
  });

  it('loads the codicon font from the extension, allowed by the CSP', async () => {
    await page.locator('.codicon').first().waitFor();
    const family = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('.codicon'), '::before').fontFamily`,
    );
    assert.match(family, /codicon/);
    await page.waitForFunction(`document.fonts.load('16px codicon').then((faces) => faces.length > 0)`);
  });
});
