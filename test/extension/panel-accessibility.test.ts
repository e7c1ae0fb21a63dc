// Issue 20 in the panel's model and markup: thirty statuses sorted and summed up in one line, long lists collapsed,
// the state in each row's name, changes announced once, several pull requests, and labels without doubled periods.
import * as assert from 'node:assert/strict';
import type { CommitStatus } from '../../src/core/bitbucket/types';
import type { CheckState } from '../../src/extension/model/check-state';
import {
  EXTENSION_API_TOKEN_HELP,
  forExtension,
  proxyAdvice,
  sentences,
} from '../../src/extension/model/extension-messages';
import { API_TOKEN_HELP } from '../../src/core/credentials';
import { renderPanelBody } from '../../src/extension/view/panel-html';
import { announcementOf, panelModel } from '../../src/extension/view/panel-model';
import { accessibleLabel, statusBarView } from '../../src/extension/view/status-bar-view';
import { aContext, aPullRequest, aSnapshot, aStatus, NOW } from './support/builders';

const WEB = 'https://bitbucket.org';

function loaded(overrides: Parameters<typeof aSnapshot>[0] = {}): CheckState {
  return { kind: 'loaded', snapshot: aSnapshot(overrides) };
}

/** 30 statuses as Bitbucket lists them (newest first, states mixed): 3 failed, 1 stopped, 2 in progress, 24 passed. */
function thirty(): CommitStatus[] {
  const states: Array<CommitStatus['state']> = [];
  for (let index = 0; index < 30; index++) {
    states.push(
      index % 10 === 3
        ? 'FAILED'
        : index === 14
          ? 'STOPPED'
          : index === 7 || index === 21
            ? 'INPROGRESS'
            : 'SUCCESSFUL',
    );
  }
  return states.map((state, index) =>
    aStatus({ key: `check-${index}`, name: `Check ${String(index).padStart(2, '0')}`, state }),
  );
}

describe('Panel with thirty statuses', () => {
  const statuses = thirty();
  const model = panelModel(
    loaded({ statuses, pullRequest: aPullRequest(), pullRequestStatuses: statuses }),
    NOW,
    WEB,
  );

  it('sorts failed and stopped, then in progress, then passed, by name within each', () => {
    const order = model.statuses?.map((row) => row.state) ?? [];
    assert.deepEqual(order.slice(0, 4).sort(), ['FAILED', 'FAILED', 'FAILED', 'STOPPED']);
    assert.deepEqual(order.slice(4, 6), ['INPROGRESS', 'INPROGRESS']);
    assert.ok(order.slice(6).every((state) => state === 'SUCCESSFUL'));
    assert.deepEqual(
      model.statuses?.slice(0, 4).map((row) => row.name),
      ['Check 03', 'Check 13', 'Check 14', 'Check 23'],
    );
  });

  it('sums up in one line, naming the first few that block', () => {
    assert.equal(
      model.verdict?.summary,
      '4 of 30 failed, 2 in progress; the merge check would block: Check 03, Check 13, Check 14 and 3 more.',
    );
  });

  it('puts the actions before the list and collapses the long list of passed statuses', () => {
    const body = renderPanelBody(model).markup;
    assert.ok(body.indexOf('data-command="rerun"') < body.indexOf('class="status-list"'));
    assert.match(
      body,
      /<details class="status-group" data-group="failed" data-key="group-failed" data-open="true" open>/,
    );
    assert.match(
      body,
      /<details class="status-group" data-group="running" data-key="group-running" data-open="true" open>/,
    );
    assert.match(
      body,
      /<details class="status-group" data-group="passed" data-key="group-passed" data-open="false">/,
    );
    assert.match(body, /<summary>Passed \(24\)<\/summary>/);
  });

  it("puts each row's state in its accessible name, not only in the icon", () => {
    const body = renderPanelBody(model).markup;
    assert.match(
      body,
      /aria-label="Check 03, failed">Check 03<\/a><span class="visually-hidden">, failed<\/span>/,
    );
    assert.match(body, /aria-label="Check 07, in progress"/);
    assert.match(body, /aria-label="Check 00, passed"/);
    assert.match(body, /aria-label="Check 14, stopped"/);
  });
});

describe('announcementOf', () => {
  const before = panelModel(loaded({ statuses: [aStatus({ state: 'INPROGRESS' })] }), NOW, WEB);

  it('says nothing on the first render, or when only times moved', () => {
    assert.equal(announcementOf(undefined, before), undefined);
    const later = panelModel(loaded({ statuses: [aStatus({ state: 'INPROGRESS' })] }), NOW + 120_000, WEB);
    assert.equal(announcementOf(before, later), undefined);
  });

  it('says a change of state once, in words', () => {
    const after = panelModel(loaded({ statuses: [aStatus({ state: 'FAILED' })] }), NOW, WEB);
    assert.equal(announcementOf(before, after), 'SonarQube: failed.');
    assert.equal(announcementOf(after, after), undefined);
  });

  it('says which repository is shown when another one is', () => {
    const other = panelModel(
      loaded({ context: aContext({ repo: { workspace: 'acme', slug: 'api-service' } }) }),
      NOW,
      WEB,
    );
    assert.equal(announcementOf(before, other), 'Showing acme/api-service · feature/login.');
  });
});

describe('A branch with two open pull requests', () => {
  const first = aPullRequest({ id: 7 });
  const second = aPullRequest({
    id: 9,
    title: 'Login form for the release branch',
    destination: { branch: { name: 'release/2.0' }, commit: { hash: 'c'.repeat(12) } },
    links: { html: { href: 'https://bitbucket.org/acme/web-app/pull-requests/9' } },
  });

  it('shows both, the one the check runs for picked, and says the status counts for every one', () => {
    const model = panelModel(
      loaded({ pullRequest: second, pullRequests: [first, second], pullRequestStatuses: [aStatus()] }),
      NOW,
      WEB,
    );
    assert.deepEqual(
      model.pullRequests?.map((pr) => [pr.id, pr.destination]),
      [
        [7, 'main'],
        [9, 'release/2.0'],
      ],
    );
    assert.equal(model.pullRequest?.id, 9);
    assert.match(
      model.pullRequestsNote ?? '',
      /2 open pull requests\. A build status belongs to the commit, so each status below counts for all of them/,
    );
    const body = renderPanelBody(model).markup;
    assert.match(body, /<legend>The check runs for<\/legend>/);
    assert.match(body, /value="9" data-command="choosePullRequest" checked>/);
    assert.match(body, /value="7" data-command="choosePullRequest">/);
  });
});

describe('Labels and messages in the extension', () => {
  it('never doubles a period in the status bar accessible label', () => {
    for (const state of [
      { kind: 'signed-out', context: aContext({ repo: { workspace: 'acme', slug: 'x.' } }) },
      { kind: 'signed-out', context: aContext() },
      loaded(),
    ] as CheckState[]) {
      const label = accessibleLabel(statusBarView(state, NOW).tooltip);
      assert.doesNotMatch(label, /\.\./, label);
    }
    assert.equal(sentences('acme/x.', 'Click to sign in.'), 'acme/x. Click to sign in.');
    assert.equal(sentences('SonarQube: FAILED', undefined, ''), 'SonarQube: FAILED.');
  });

  it('speaks of signing in, not of environment variables', () => {
    assert.ok(API_TOKEN_HELP.includes('ATLASSIAN_ACCOUNT_EMAIL'));
    assert.doesNotMatch(EXTENSION_API_TOKEN_HELP, /ATLASSIAN_ACCOUNT_EMAIL|BITBUCKET_API_TOKEN/);
    assert.match(EXTENSION_API_TOKEN_HELP, /Crosscheck: Sign In to Bitbucket/);
    assert.doesNotMatch(
      forExtension(`The token was refused. ${API_TOKEN_HELP}`),
      /ATLASSIAN_ACCOUNT_EMAIL|BITBUCKET_API_TOKEN/,
    );
  });

  it('names the proxy in effect', () => {
    assert.match(proxyAdvice({ source: 'setting', host: 'p:8080' }), /http\.proxy setting \(p:8080\)/);
    assert.match(proxyAdvice({ source: 'environment', host: 'p:8080' }), /HTTPS_PROXY/);
    assert.doesNotMatch(proxyAdvice({ source: 'none' }), /HTTPS_PROXY|NO_PROXY/);
  });

  it('labels the run button Run before any run and Re-run after one', () => {
    assert.equal(panelModel(loaded(), NOW, WEB).rerun.label, 'Run central check');
  });
});
