// The PR status panel's model and HTML: what each state shows, links by index only, and every API string escaped.
import * as assert from 'node:assert/strict';
import type { CheckState } from '../../src/extension/model/check-state';
import { escapeHtml, isWebUrl, markup, type Raw } from '../../src/extension/view/html';
import { renderPanelBody, renderPanelDocument } from '../../src/extension/view/panel-html';
import { bitbucketWebUrl, panelModel } from '../../src/extension/view/panel-model';
import { aContext, aPullRequest, aRun, aSnapshot, aStatus, HEAD, NOW } from './support/builders';

const WEB = 'https://bitbucket.org';
const ATTACK = '<img src=x onerror=alert(1)>';

function loaded(overrides: Parameters<typeof aSnapshot>[0] = {}): CheckState {
  return { kind: 'loaded', snapshot: aSnapshot(overrides) };
}

describe('panelModel', () => {
  it('shows the pull request, the statuses on its tip, the merge verdict and the links by index', () => {
    const statuses = [
      aStatus(),
      aStatus({ key: 'build', name: 'Build', state: 'INPROGRESS', url: 'https://ci.example/1' }),
    ];
    const model = panelModel(
      loaded({ statuses, pullRequest: aPullRequest(), pullRequestStatuses: statuses }),
      NOW,
      WEB,
    );
    assert.equal(model.heading, 'acme/web-app · feature/login');
    assert.deepEqual(model.pullRequest, {
      id: 7,
      title: 'Add login form',
      link: 0,
      source: 'feature/login',
      destination: 'main',
      commit: 'aaaaaaa',
      author: 'Dana Developer',
    });
    assert.deepEqual(
      model.statuses?.map((row) => [row.name, row.state, row.icon, row.when, row.link]),
      // Sorted: what blocks first (in progress before passed), whatever order Bitbucket listed them in.
      [
        ['Build', 'INPROGRESS', 'sync~spin', '3 min ago', 2],
        ['SonarQube', 'SUCCESSFUL', 'check', '3 min ago', 1],
      ],
    );
    assert.equal(model.verdict?.kind, 'blocked');
    assert.equal(model.verdict?.summary, '1 of 2 in progress; the merge check would block: Build.');
    assert.deepEqual(model.links, [
      'https://bitbucket.org/acme/web-app/pull-requests/7',
      'https://sonar.example/dashboard?id=web-app',
      'https://ci.example/1',
    ]);
    assert.equal(model.openInBitbucket, 0);
    assert.deepEqual(model.rerun, { enabled: true, label: 'Run central check' });
  });

  it('passes the merge check only when every status on the tip is successful', () => {
    const model = panelModel(loaded({ pullRequest: aPullRequest() }), NOW, WEB);
    assert.equal(model.verdict?.kind, 'pass');
  });

  it("shows the tip's statuses and says so when HEAD is not the pull request's tip", () => {
    const tipStatus = aStatus({ state: 'FAILED', description: 'on the tip' });
    const model = panelModel(
      loaded({
        pullRequest: aPullRequest({
          source: { branch: { name: 'feature/login' }, commit: { hash: 'c'.repeat(12) } },
        }),
        pullRequestStatuses: [tipStatus],
      }),
      NOW,
      WEB,
    );
    assert.match(model.notice?.message ?? '', /HEAD \(aaaaaaa\) is not the pull request's tip \(ccccccc\)/);
    assert.equal(model.statusesTitle, 'Build statuses on ccccccc');
    assert.deepEqual(
      model.statuses?.map((row) => row.description),
      ['on the tip'],
    );
    assert.equal(model.verdict?.kind, 'blocked');
  });

  it('links the commit when there is no pull request, and sums up the commit for any merge check', () => {
    const model = panelModel(loaded(), NOW, 'http://127.0.0.1:4000');
    assert.equal(model.pullRequestNote, 'No open pull request from feature/login.');
    assert.deepEqual(model.verdict, { kind: 'pass', summary: 'All 1 passed: a merge check would pass.' });
    assert.equal(
      model.links[model.openInBitbucket ?? -1],
      `http://127.0.0.1:4000/acme/web-app/commits/${HEAD}`,
    );
  });

  it('shows the central run and disables re-run while it is in progress', () => {
    const model = panelModel(
      loaded({
        run: aRun(),
        pipeline: {
          uuid: aRun().uuid,
          build_number: 12,
          state: { name: 'IN_PROGRESS', stage: { name: 'RUNNING' } },
        },
      }),
      NOW,
      WEB,
    );
    assert.deepEqual(model.run, {
      label: 'sonar-pr-check #12 in acme/central-checks',
      state: 'IN_PROGRESS (RUNNING)',
      icon: 'sync~spin',
      link: model.links.indexOf('https://bitbucket.org/acme/central-checks/pipelines/results/12'),
      note: undefined,
    });
    assert.deepEqual(model.rerun, {
      enabled: false,
      label: 'Re-run central check',
      reason: 'A central run is in progress.',
    });
    const done = panelModel(
      loaded({
        run: aRun({
          lastState: 'COMPLETED/FAILED',
          finished: { at: NOW, state: 'FAILED', summary: 'SonarQube failed' },
        }),
      }),
      NOW,
      WEB,
    );
    assert.equal(done.run?.icon, 'error');
    assert.equal(done.run?.note, 'SonarQube failed');
    assert.equal(done.rerun.enabled, true);
  });

  it('explains every state without a snapshot, and offers sign-in when that is the fix', () => {
    const context = aContext();
    const cases: Array<[CheckState, RegExp, boolean]> = [
      [{ kind: 'no-repository' }, /No open git repository/, false],
      [{ kind: 'restricted', context }, /Restricted Mode/, false],
      [{ kind: 'signed-out', context }, /not signed in/, true],
      [
        {
          kind: 'not-pushed',
          context,
          problem: { message: 'HEAD is 1 commit ahead', hint: 'Push first', pushable: true },
        },
        /1 commit ahead/,
        false,
      ],
      [{ kind: 'loading', context, checkKey: 'sonar' }, /Loading/, false],
      [
        {
          kind: 'error',
          context,
          checkKey: 'sonar',
          error: { message: 'Bitbucket did not accept the credential', rateLimited: false, credential: true },
        },
        /did not accept/,
        true,
      ],
    ];
    for (const [state, message, signIn] of cases) {
      const model = panelModel(state, NOW, WEB);
      assert.match(model.notice?.message ?? '', message, state.kind);
      assert.equal(model.notice?.signIn ?? false, signIn, state.kind);
      assert.equal(model.rerun.enabled, false, state.kind);
      assert.equal(model.statuses, undefined);
    }
  });

  it('keeps the last snapshot on screen under an error', () => {
    const model = panelModel(
      {
        kind: 'error',
        context: aContext(),
        checkKey: 'sonar',
        error: { message: 'rate limited', rateLimited: true, credential: false },
        previous: aSnapshot(),
      },
      NOW,
      WEB,
    );
    assert.equal(model.notice?.tone, 'error');
    assert.equal(model.statuses?.length, 1);
  });

  it('drops links that are not http(s)', () => {
    const model = panelModel(
      loaded({
        statuses: [
          aStatus({ url: 'javascript:alert(1)' }),
          aStatus({ key: 'b', url: 'https://user:pw@ci.example/' }),
        ],
      }),
      NOW,
      WEB,
    );
    assert.deepEqual(
      model.statuses?.map((row) => row.link),
      [undefined, undefined],
    );
    assert.ok(model.links.every(isWebUrl));
  });
});

const ALLOWED_ELEMENTS = new Set([
  'h1',
  'h2',
  'p',
  'section',
  'div',
  'span',
  'a',
  'code',
  'ul',
  'li',
  'footer',
  'button',
  'details',
  'summary',
  'fieldset',
  'legend',
  'label',
  'input',
  'select',
  'option',
]);
const ALLOWED_ATTRIBUTES = new Set([
  'class',
  'href',
  'title',
  'type',
  'disabled',
  'aria-hidden',
  'data-command',
  'data-link',
  'data-state',
  'data-key',
  'data-verdict',
  'data-pull-request',
  'data-run-state',
  'data-tone',
  'data-group',
  'data-stale',
  'data-open',
  'open',
  'role',
  'id',
  'for',
  'name',
  'value',
  'checked',
  'selected',
  'aria-label',
  'aria-labelledby',
  'aria-describedby',
  'aria-disabled',
]);

describe('markup', () => {
  it('trusts only markup it built: arrays of strings or look-alike objects are escaped', () => {
    const forged = [{ markup: '<script>alert(1)</script>' }] as unknown as Raw[];
    assert.equal(markup`<p>${forged}</p>`.markup, '<p>[object Object]</p>');
    const strings = ['<b>bold</b>'] as unknown as Raw[];
    assert.equal(markup`<p>${strings}</p>`.markup, '<p>&lt;b&gt;bold&lt;/b&gt;</p>');
    const lookAlike = { markup: '<img src=x onerror=alert(1)>', toString: () => '<i>' } as unknown as Raw;
    assert.equal(markup`${lookAlike}`.markup, '&lt;i&gt;');
    assert.equal(markup`<ul>${[markup`<li>${'<a>'}</li>`]}</ul>`.markup, '<ul><li>&lt;a&gt;</li></ul>');
  });
});

describe('renderPanelBody', () => {
  const hostile = aStatus({
    key: ATTACK,
    name: ATTACK,
    description: `"><script>alert(2)</script>`,
    url: 'https://ci.example/?q="><b>',
  });

  it('shows hostile API strings as text: no element, attribute or script is created from them', () => {
    const body = renderPanelBody(
      panelModel(
        loaded({
          statuses: [hostile],
          pullRequest: aPullRequest({
            title: ATTACK,
            source: { branch: { name: `<b onmouseover=alert(3)>` }, commit: { hash: HEAD.slice(0, 12) } },
            author: { display_name: `</section><script>alert(4)</script>` },
          }),
          pullRequestStatuses: [hostile],
        }),
        NOW,
        WEB,
      ),
    ).markup;
    // Escaped text has no "<", so every "<" opens a tag the renderer wrote: only known elements and attributes.
    for (const tag of body.matchAll(/<\/?([A-Za-z][A-Za-z0-9]*)([^>]*)>/g)) {
      // Both groups always take part in a match (the second may be empty), and so does each attribute's name.
      const [name, rest] = [tag[1]!, tag[2]!];
      assert.ok(ALLOWED_ELEMENTS.has(name), `unexpected element <${name}>`);
      const attributes = [...rest.matchAll(/\s([^\s=]+)(?:="[^"]*")?/g)].map((attribute) => attribute[1]!);
      for (const attribute of attributes)
        assert.ok(ALLOWED_ATTRIBUTES.has(attribute), `unexpected attribute ${attribute} on <${name}>`);
      assert.equal(rest.replace(/\s[^\s=]+(?:="[^"]*")?/g, '').trim(), '', `stray text in <${name}${rest}>`);
    }
    assert.ok(body.includes(escapeHtml(ATTACK)), 'the name is shown as text');
    assert.ok(body.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(body.includes('data-key="&lt;img src=x onerror=alert(1)&gt;"'));
    assert.ok(!body.includes('https://ci.example'), 'URLs stay on the host; the page only has indices');
  });

  it('marks up the parts the e2e tests and the script look for', () => {
    const body = renderPanelBody(
      panelModel(loaded({ pullRequest: aPullRequest(), pullRequestStatuses: [aStatus()] }), NOW, WEB),
    ).markup;
    assert.match(body, /<section class="pull-request" data-pull-request="7">/);
    assert.match(
      body,
      /<a href="#" class="pull-request-link" data-command="openLink" data-link="0">Add login form<\/a>/,
    );
    assert.match(body, /<li class="status status-successful" data-state="SUCCESSFUL" data-key="sonar">/);
    assert.match(body, /<p class="verdict verdict-pass" data-verdict="pass">/);
    assert.match(body, /<button type="button" data-key="rerun" data-command="rerun">.*Run central check</);
    assert.match(body, /<button type="button" class="secondary" data-key="refresh" data-command="refresh">/);
    // The actions come before the list, a few Tab stops from the top.
    assert.ok(body.indexOf('data-command="rerun"') < body.indexOf('class="status-list"'));
    assert.match(body, /data-command="openLink" data-link="0">.*Open in Bitbucket<\/button>/);
  });

  it('disables re-run with the reason while a run is in progress', () => {
    const body = renderPanelBody(panelModel(loaded({ run: aRun() }), NOW, WEB)).markup;
    // Still focusable (aria-disabled), with the reason beside it and read with it.
    assert.match(
      body,
      /<button type="button" data-key="rerun" data-command="rerun" aria-disabled="true" aria-describedby="crosscheck-rerun-reason">.*Re-run central check</,
    );
    assert.match(
      body,
      /<p class="action-reason" id="crosscheck-rerun-reason">A central run is in progress.<\/p>/,
    );
  });

  it('spins the icon of a running status and run with the codicon modifier class', () => {
    const body = renderPanelBody(
      panelModel(loaded({ statuses: [aStatus({ state: 'INPROGRESS' })], run: aRun() }), NOW, WEB),
    ).markup;
    assert.ok(!body.includes('~'), 'no status-bar icon spelling leaks into the HTML');
    assert.match(
      body,
      /<li class="status status-inprogress"[^>]*><span class="codicon codicon-sync codicon-modifier-spin"/,
    );
  });

  it('offers sign-in from the notice when signed out', () => {
    const body = renderPanelBody(panelModel({ kind: 'signed-out', context: aContext() }, NOW, WEB)).markup;
    assert.match(body, /<button type="button" data-command="signIn">Sign In to Bitbucket<\/button>/);
  });
});

describe('renderPanelDocument', () => {
  const page = renderPanelDocument({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'bm9uY2Utb25l',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css',
    codiconsUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/codicons/codicon.css',
    body: renderPanelBody(panelModel({ kind: 'signed-out', context: aContext() }, NOW, WEB)),
  });

  it('has a strict CSP: nothing by default, styles and fonts from the extension, only the nonce script', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
      .exec(page)?.[1]
      ?.replace(/&#39;/g, "'");
    assert.equal(
      csp,
      "default-src 'none'; style-src https://file+.vscode-resource.vscode-cdn.net; font-src https://file+.vscode-resource.vscode-cdn.net; " +
        "img-src https://file+.vscode-resource.vscode-cdn.net; script-src 'nonce-bm9uY2Utb25l'",
    );
    assert.ok(!csp?.includes('unsafe'));
  });

  it('loads one script, with the nonce, and no inline script or style', () => {
    assert.deepEqual(page.match(/<script[^>]*>/g), [
      '<script nonce="bm9uY2Utb25l" src="https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.js">',
    ]);
    assert.ok(!/<style/.test(page) && !/\sstyle=/.test(page));
    // Only the announcer is a live region: the body is patched in place, not re-read.
    assert.match(
      page,
      /<main id="crosscheck-root"><div class="panel-section" data-key="heading"><h1 class="heading">[^<]*<\/h1>/,
    );
    assert.match(
      page,
      /<div id="crosscheck-announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"><\/div>/,
    );
    assert.equal(page.match(/aria-live/g)?.length, 1);
    assert.match(page, /<link rel="stylesheet" href="[^"]+\/media\/codicons\/codicon.css">/);
  });
});

describe('bitbucketWebUrl', () => {
  it('maps the cloud API to bitbucket.org and anything else to its origin', () => {
    assert.equal(bitbucketWebUrl('https://api.bitbucket.org/2.0'), 'https://bitbucket.org');
    assert.equal(bitbucketWebUrl('http://127.0.0.1:4000/2.0'), 'http://127.0.0.1:4000');
    assert.equal(bitbucketWebUrl('not a url'), 'https://bitbucket.org');
  });
});
