// Renders the PR status panel: the page around it (strict CSP, nonce script) and its body, every API string escaped.
import { gateSection } from './gate-table';
import { markup, type Raw } from './html';
import {
  COLLAPSE_AFTER,
  groupOf,
  type PanelModel,
  type PullRequestView,
  type StatusGroup,
  type StatusRow,
} from './panel-model';

export interface PanelDocumentOptions {
  /** `webview.cspSource`: where styles, fonts and the script may come from. */
  cspSource: string;
  /** Fresh for every document. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** The body rendered by `renderPanelBody`. */
  body: Raw;
}

/** The whole page: nothing loads from outside the extension, only the nonce'd script runs, no inline styles or handlers. */
export function renderPanelDocument(options: PanelDocumentOptions): string {
  const csp = [
    "default-src 'none'",
    `style-src ${options.cspSource}`,
    `font-src ${options.cspSource}`,
    `img-src ${options.cspSource}`,
    `script-src 'nonce-${options.nonce}'`,
  ].join('; ');
  return markup`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${options.codiconsUri}">
<link rel="stylesheet" href="${options.styleUri}">
<title>Crosscheck</title>
</head>
<body>
<div id="crosscheck-error" class="request-error" role="alert" hidden></div>
<div id="crosscheck-announcer" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"></div>
<main id="crosscheck-root">${options.body}</main>
<script nonce="${options.nonce}" src="${options.scriptUri}"></script>
</body>
</html>`.markup;
}

/** Renders one section of the panel from the model, or nothing when it has none to show. */
export type PanelSection = (model: PanelModel) => Raw | undefined;

/**
 * The panel's sections, in order, each a keyed block that the webview updates in place (panel.js): adding a section
 * is one more entry here. The actions come before the list, so they are a few Tab stops from the top.
 */
export const PANEL_SECTIONS: ReadonlyArray<readonly [key: string, render: PanelSection]> = [
  ['heading', (model) => markup`<h1 class="heading">${model.heading}</h1>`],
  ['repositories', repositories],
  ['notice', notice],
  ['actions', actions],
  ['verdict', verdict],
  ['pull-request', pullRequest],
  ['statuses', statuses],
  ['gate', gateSection],
  ['run', run],
  ['updated', updated],
];

/** The panel body for one state; the webview patches it into the page it shows, element by element. */
export function renderPanelBody(
  model: PanelModel,
  sections: ReadonlyArray<readonly [string, PanelSection]> = PANEL_SECTIONS,
): Raw {
  const blocks = sections.flatMap(([key, render]) => {
    const content = render(model);
    return content ? [markup`<div class="panel-section" data-key="${key}">${content}</div>\n`] : [];
  });
  return markup`${blocks}`;
}

function icon(name: string): Raw {
  // Codicon names come from this extension's tables, but are escaped like everything else. `name~spin` is the
  // status bar's spelling of a spinning icon; in HTML the codicon font spins it with its modifier class.
  const [base, modifier] = name.split('~');
  const spin = modifier === 'spin' ? ' codicon-modifier-spin' : '';
  return markup`<span class="codicon codicon-${base}${spin}" aria-hidden="true"></span>`;
}

function linkTo(index: number | undefined, label: string, className: string): Raw {
  if (index === undefined) return markup`<span class="${className}">${label}</span>`;
  return markup`<a href="#" class="${className}" data-command="openLink" data-link="${index}">${label}</a>`;
}

function notice(model: PanelModel): Raw | undefined {
  const found = model.notice;
  if (!found) return undefined;
  const iconName = found.tone === 'error' ? 'error' : found.tone === 'warning' ? 'warning' : 'info';
  const hint = found.hint ? markup`<p class="notice-hint">${found.hint}</p>` : undefined;
  const signIn = found.signIn
    ? markup`<button type="button" data-command="signIn">Sign In to Bitbucket</button>`
    : undefined;
  return markup`<section class="notice notice-${found.tone}" data-tone="${found.tone}">${icon(iconName)}<div>
<p class="notice-message">${found.message}</p>${hint}${signIn}</div></section>
`;
}

function repositories(model: PanelModel): Raw | undefined {
  const choices = model.repositories;
  if (!choices || choices.length < 2) return undefined;
  const options = choices.map(
    (choice, index) =>
      markup`<option value="${String(index)}"${choice.selected ? markup` selected` : undefined}>${choice.label}</option>`,
  );
  return markup`<p class="repositories"><label for="crosscheck-repository">Repository</label>
<select id="crosscheck-repository" data-command="selectRepository">${options}</select></p>`;
}

function pullRequestTitle(pr: PullRequestView): Raw {
  return markup`${icon('git-pull-request')}${linkTo(pr.link, pr.title, 'pull-request-link')} <span class="pull-request-id">#${String(pr.id)}</span>`;
}

function pullRequestBranches(pr: PullRequestView): Raw {
  const tip = pr.commit ? markup` · tip <code class="pull-request-commit">${pr.commit}</code>` : undefined;
  const author = pr.author ? markup` · by ${pr.author}` : undefined;
  return markup`<code class="pull-request-source">${pr.source}</code> ${icon('arrow-right')} <code class="pull-request-destination">${pr.destination}</code>${tip}${author}`;
}

function pullRequest(model: PanelModel): Raw | undefined {
  const pr = model.pullRequest;
  if (!pr)
    return model.pullRequestNote
      ? markup`<p class="pull-request-none">${model.pullRequestNote}</p>`
      : undefined;
  const all = model.pullRequests;
  if (all && all.length > 1) {
    // A branch with several open pull requests: all are shown; the user picks the one the check runs for.
    const choices = all.map(
      (candidate) => markup`<li data-key="pr-${String(candidate.id)}"><label class="pull-request-choice">
<input type="radio" name="crosscheck-pull-request" value="${String(candidate.id)}" data-command="choosePullRequest"${candidate.id === pr.id ? markup` checked` : undefined}>
<span class="pull-request-title-inline">#${String(candidate.id)} ${candidate.title}</span></label>
<span class="pull-request-branches">${pullRequestBranches(candidate)}</span></li>`,
    );
    return markup`<section class="pull-request pull-requests" data-pull-request="${String(pr.id)}" aria-labelledby="crosscheck-prs-title">
<h2 id="crosscheck-prs-title">Pull requests</h2>
<p class="pull-requests-note">${model.pullRequestsNote ?? ''}</p>
<fieldset><legend>The check runs for</legend><ul class="pull-request-list">${choices}</ul></fieldset>
</section>`;
  }
  return markup`<section class="pull-request" data-pull-request="${String(pr.id)}">
<h2 class="pull-request-title">${pullRequestTitle(pr)}</h2>
<p class="pull-request-branches">${pullRequestBranches(pr)}</p>
</section>`;
}

function verdict(model: PanelModel): Raw | undefined {
  const found = model.verdict;
  if (!found) return undefined;
  const iconName =
    found.kind === 'pass' ? 'pass' : found.kind === 'blocked' ? 'error' : 'circle-large-outline';
  return markup`<p class="verdict verdict-${found.kind}" data-verdict="${found.kind}">${icon(iconName)}<span class="verdict-summary">${found.summary}</span></p>`;
}

const GROUP_TITLES: Record<StatusGroup, string> = {
  failed: 'Failed or stopped',
  running: 'In progress',
  passed: 'Passed',
};

function statuses(model: PanelModel): Raw | undefined {
  const rows = model.statuses;
  if (!rows) return undefined;
  const title = model.statusesTitle ?? 'Build statuses';
  if (rows.length === 0)
    return markup`<section class="statuses"><h2>${title}</h2><p class="status-none">No build statuses yet.</p></section>`;
  const groups = (['failed', 'running', 'passed'] as const).flatMap((group) => {
    const members = rows.filter((row) => groupOf(row.state) === group);
    if (members.length === 0) return [];
    // A long list of passed statuses starts collapsed; what blocks the merge stays open. The user's choice is kept.
    const open = group !== 'passed' || rows.length <= COLLAPSE_AFTER;
    return [
      markup`<details class="status-group" data-group="${group}" data-key="group-${group}" data-open="${open ? 'true' : 'false'}"${open ? markup` open` : undefined}>
<summary>${GROUP_TITLES[group]} (${String(members.length)})</summary>
<ul class="status-list">${members.map(statusRow)}</ul>
</details>`,
    ];
  });
  return markup`<section class="statuses" aria-labelledby="crosscheck-statuses-title">
<h2 id="crosscheck-statuses-title">${title}</h2>
${groups}
</section>`;
}

/** The row's accessible name carries the state in words ("SonarQube, failed, …"), not only the icon and its colour. */
function statusRow(row: StatusRow): Raw {
  const description = row.description
    ? markup`<span class="status-description">${row.description}</span>`
    : undefined;
  const when = row.when
    ? markup`<span class="status-time" title="${row.whenTitle ?? ''}">${row.when}</span>`
    : undefined;
  const name =
    row.link === undefined
      ? markup`<span class="status-name">${row.name}</span>`
      : markup`<a href="#" class="status-name" data-command="openLink" data-link="${String(row.link)}" aria-label="${row.name}, ${row.stateText}">${row.name}</a>`;
  return markup`<li class="status status-${row.state.toLowerCase()}" data-state="${row.state}" data-key="${row.key}">${icon(row.icon)}<span class="status-main">${name}<span class="visually-hidden">, ${row.stateText}</span>${description}</span>${when}</li>`;
}

function run(model: PanelModel): Raw | undefined {
  const found = model.run;
  if (!found) return undefined;
  const note = found.note ? markup`<p class="run-note">${found.note}</p>` : undefined;
  return markup`<section class="run" data-run-state="${found.state}">
<h2>Central run</h2>
<p>${icon(found.icon)}${linkTo(found.link, found.label, 'run-link')} <span class="run-state">${found.state}</span></p>${note}
</section>`;
}

/** Run/Re-run stays focusable while it cannot act (aria-disabled), with the reason beside it for everyone. */
function actions(model: PanelModel): Raw {
  const reason = model.rerun.reason
    ? markup`<p class="action-reason" id="crosscheck-rerun-reason">${model.rerun.reason}</p>`
    : undefined;
  const rerunState = model.rerun.enabled
    ? undefined
    : markup` aria-disabled="true"${model.rerun.reason ? markup` aria-describedby="crosscheck-rerun-reason"` : undefined}`;
  const refreshState = model.refreshEnabled ? undefined : markup` aria-disabled="true"`;
  const open =
    model.openInBitbucket !== undefined
      ? markup`<button type="button" class="secondary" data-key="open" data-command="openLink" data-link="${String(model.openInBitbucket)}">${icon('link-external')}Open in Bitbucket</button>`
      : undefined;
  return markup`<div class="actions" role="group" aria-label="Actions">
<button type="button" data-key="rerun" data-command="rerun"${rerunState}>${icon('play')}${model.rerun.label}</button>
<button type="button" class="secondary" data-key="refresh" data-command="refresh"${refreshState}>${icon('refresh')}Refresh</button>
${open}
</div>${reason}`;
}

function updated(model: PanelModel): Raw | undefined {
  if (!model.updated) return undefined;
  return model.stale
    ? markup`<p class="updated updated-stale" data-stale="true">${icon('warning')}${model.updated}</p>`
    : markup`<p class="updated">${model.updated}</p>`;
}
