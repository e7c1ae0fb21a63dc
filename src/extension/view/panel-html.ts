// Renders the PR status panel: the page around it (strict CSP, nonce script) and its body, every API string escaped.
import { markup, type Raw } from './html';
import type { PanelModel, StatusRow } from './panel-model';

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
<main id="crosscheck-root" aria-live="polite">${options.body}</main>
<script nonce="${options.nonce}" src="${options.scriptUri}"></script>
</body>
</html>`.markup;
}

/** The panel body for one state; the webview swaps it in as it is pushed. */
export function renderPanelBody(model: PanelModel): Raw {
  const updated = model.updated ? markup`<p class="updated">${model.updated}</p>` : undefined;
  return markup`<h1 class="heading">${model.heading}</h1>
${notice(model)}${pullRequest(model)}${verdict(model)}${statuses(model)}${run(model)}${actions(model)}${updated}`;
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

function pullRequest(model: PanelModel): Raw | undefined {
  const pr = model.pullRequest;
  if (!pr)
    return model.pullRequestNote
      ? markup`<p class="pull-request-none">${model.pullRequestNote}</p>\n`
      : undefined;
  const tip = pr.commit ? markup` · tip <code class="pull-request-commit">${pr.commit}</code>` : undefined;
  const author = pr.author ? markup` · by ${pr.author}` : undefined;
  return markup`<section class="pull-request" data-pull-request="${pr.id}">
<h2 class="pull-request-title">${icon('git-pull-request')}${linkTo(pr.link, pr.title, 'pull-request-link')} <span class="pull-request-id">#${pr.id}</span></h2>
<p class="pull-request-branches"><code class="pull-request-source">${pr.source}</code> ${icon('arrow-right')} <code class="pull-request-destination">${pr.destination}</code>${tip}${author}</p>
</section>
`;
}

function verdict(model: PanelModel): Raw | undefined {
  const found = model.verdict;
  if (!found) return undefined;
  const iconName =
    found.kind === 'pass' ? 'pass' : found.kind === 'blocked' ? 'error' : 'circle-large-outline';
  return markup`<section class="verdict verdict-${found.kind}" data-verdict="${found.kind}">${icon(iconName)}<span class="verdict-summary">${found.summary}</span></section>
`;
}

function statuses(model: PanelModel): Raw | undefined {
  if (!model.statuses) return undefined;
  const rows = model.statuses.map(statusRow);
  const list = rows.length
    ? markup`<ul class="status-list">${rows}</ul>`
    : markup`<p class="status-none">No build statuses yet.</p>`;
  return markup`<section class="statuses">
<h2>${model.statusesTitle ?? 'Build statuses'}</h2>
${list}
</section>
`;
}

function statusRow(row: StatusRow): Raw {
  const description = row.description
    ? markup`<span class="status-description">${row.description}</span>`
    : undefined;
  const when = row.when
    ? markup`<span class="status-time" title="${row.whenTitle ?? ''}">${row.when}</span>`
    : undefined;
  return markup`<li class="status status-${row.state.toLowerCase()}" data-state="${row.state}" data-key="${row.key}">${icon(row.icon)}<span class="status-main">${linkTo(row.link, row.name, 'status-name')}${description}</span>${when}</li>`;
}

function run(model: PanelModel): Raw | undefined {
  const found = model.run;
  if (!found) return undefined;
  const note = found.note ? markup`<p class="run-note">${found.note}</p>` : undefined;
  return markup`<section class="run" data-run-state="${found.state}">
<h2>Central run</h2>
<p>${icon(found.icon)}${linkTo(found.link, found.label, 'run-link')} <span class="run-state">${found.state}</span></p>${note}
</section>
`;
}

function actions(model: PanelModel): Raw {
  const rerunDisabled = model.rerun.enabled ? undefined : markup` disabled`;
  const rerunReason = model.rerun.reason ? markup` title="${model.rerun.reason}"` : undefined;
  const refreshDisabled = model.refreshEnabled ? undefined : markup` disabled`;
  const open =
    model.openInBitbucket !== undefined
      ? markup`<button type="button" class="secondary" data-command="openLink" data-link="${model.openInBitbucket}">${icon('link-external')} Open in Bitbucket</button>`
      : undefined;
  return markup`<footer class="actions">
<button type="button" data-command="rerun"${rerunDisabled}${rerunReason}>${icon('play')} Re-run central check</button>
<button type="button" class="secondary" data-command="refresh"${refreshDisabled}>${icon('refresh')} Refresh</button>
${open}
</footer>
`;
}
