// What the PR status panel shows, derived from the check state: pull request, statuses, central run, merge verdict, actions.
import {
  type CommitStatus,
  mergeVerdict,
  type MergeVerdict,
  formatRepository,
  type BuildState,
  describePipelineState,
} from '../../core';
import type { CheckSnapshot, CheckState } from '../model/check-state';
import type { RepoContext } from '../model/repository';
import { sameCommit } from '../model/runs';
import { isWebUrl } from './html';
import { absoluteTime, relativeTime } from './relative-time';
import { STATE_ICONS } from './status-bar-view';

export interface StatusRow {
  key: string;
  state: BuildState;
  icon: string;
  name: string;
  description?: string;
  when?: string;
  whenTitle?: string;
  /** Index into `links`. */
  link?: number;
}

export interface PanelModel {
  heading: string;
  notice?: { tone: 'info' | 'warning' | 'error'; message: string; hint?: string; signIn?: boolean };
  pullRequest?: {
    id: number;
    title: string;
    link?: number;
    source: string;
    destination: string;
    commit?: string;
    author?: string;
  };
  /** Explains the pull request part when there is none. */
  pullRequestNote?: string;
  statusesTitle?: string;
  statuses?: StatusRow[];
  run?: { label: string; state: string; icon: string; link?: number; note?: string };
  verdict?: { kind: MergeVerdict['kind']; summary: string };
  rerun: { enabled: boolean; reason?: string };
  refreshEnabled: boolean;
  openInBitbucket?: number;
  updated?: string;
  /** Every URL the panel may open, by index: the webview asks for an index, never for a URL. */
  links: string[];
}

/** `webUrl`: Bitbucket's web address for links the API does not give (https://bitbucket.org for the cloud API). */
export function panelModel(state: CheckState, now: number, webUrl: string): PanelModel {
  const links: string[] = [];
  const link = (url: string | undefined | null): number | undefined => {
    if (!isWebUrl(url)) return undefined;
    const known = links.indexOf(url);
    if (known >= 0) return known;
    links.push(url);
    return links.length - 1;
  };
  const base = { rerun: { enabled: false }, refreshEnabled: true, links };
  switch (state.kind) {
    case 'no-repository':
      return {
        ...base,
        heading: 'Crosscheck',
        refreshEnabled: false,
        notice: {
          tone: 'info',
          message: 'No open git repository has a Bitbucket Cloud remote.',
          hint: 'Open a folder cloned from bitbucket.org.',
        },
      };
    case 'restricted':
      return {
        ...base,
        heading: state.context ? heading(state.context) : 'Crosscheck',
        refreshEnabled: false,
        notice: {
          tone: 'warning',
          message: 'Restricted Mode: Crosscheck sends nothing to Bitbucket for an untrusted workspace.',
          hint: 'Trust the workspace to see and run its checks.',
        },
      };
    case 'signed-out':
      return {
        ...base,
        heading: heading(state.context),
        notice: {
          tone: 'warning',
          message: 'You are not signed in to Bitbucket.',
          hint: 'Sign in to see the statuses.',
          signIn: true,
        },
      };
    case 'not-pushed':
      return {
        ...base,
        heading: heading(state.context),
        notice: { tone: 'info', message: state.problem.message, hint: state.problem.hint },
      };
    case 'loading':
      return { ...base, heading: heading(state.context), notice: { tone: 'info', message: 'Loading…' } };
    case 'loaded':
      return snapshotModel(state.snapshot, now, webUrl, link, links);
    case 'error': {
      const notice = {
        tone: 'error' as const,
        message: state.error.message,
        hint: state.error.hint,
        signIn: state.error.credential,
      };
      if (state.previous) return { ...snapshotModel(state.previous, now, webUrl, link, links), notice };
      return { ...base, heading: heading(state.context), notice };
    }
  }
}

function snapshotModel(
  snapshot: CheckSnapshot,
  now: number,
  webUrl: string,
  link: (url: string | undefined | null) => number | undefined,
  links: string[],
): PanelModel {
  const { context, pullRequest, run } = snapshot;
  const repoWeb = `${webUrl.replace(/\/+$/, '')}/${formatRepository(context.repo)}`;
  const model: PanelModel = {
    heading: heading(context),
    rerun:
      run && !run.finished ? { enabled: false, reason: 'A central run is in progress.' } : { enabled: true },
    refreshEnabled: true,
    links,
    updated: `Updated ${relativeTime(new Date(snapshot.loadedAt).toISOString(), now) ?? ''}`.trim(),
  };

  let shown: CommitStatus[] = snapshot.statuses;
  let shownCommit = context.commit;
  if (pullRequest) {
    const tip = pullRequest.source.commit?.hash;
    model.pullRequest = {
      id: pullRequest.id,
      title: pullRequest.title,
      link: link(pullRequest.links?.html?.href ?? `${repoWeb}/pull-requests/${pullRequest.id}`),
      source: pullRequest.source.branch.name,
      destination: pullRequest.destination.branch.name,
      commit: tip?.slice(0, 7),
      author: pullRequest.author?.display_name,
    };
    if (tip && !sameCommit(tip, context.commit)) {
      model.notice = {
        tone: 'info',
        message: `Your HEAD (${context.commit.slice(0, 7)}) is not the pull request's tip (${tip.slice(0, 7)}).`,
        hint: 'The statuses below are those on the tip, which the merge check counts. Push or pull to line them up.',
      };
    }
    shown = snapshot.pullRequestStatuses ?? snapshot.statuses;
    shownCommit = tip ?? context.commit;
    model.verdict = verdictOf(mergeVerdict(shown));
    model.openInBitbucket = model.pullRequest.link;
  } else {
    model.pullRequestNote = `No open pull request from ${context.branch}.`;
    model.openInBitbucket = link(`${repoWeb}/commits/${context.commit}`);
  }
  model.statusesTitle = `Build statuses on ${shownCommit.slice(0, 7)}`;
  model.statuses = shown.map((status) => statusRow(status, now, link));
  if (run) {
    const label = `${run.pipeline}${run.buildNumber !== undefined ? ` #${run.buildNumber}` : ''} in ${formatRepository(run.central)}`;
    const state = snapshot.pipeline?.state
      ? describePipelineState(snapshot.pipeline)
      : (run.lastState ?? 'started');
    model.run = {
      label,
      state,
      icon: runIcon(state, !run.finished),
      link: link(run.runUrl),
      note: snapshot.runProblem ?? run.finished?.summary,
    };
  }
  return model;
}

function verdictOf(verdict: MergeVerdict): PanelModel['verdict'] {
  return { kind: verdict.kind, summary: verdict.summary };
}

function statusRow(
  status: CommitStatus,
  now: number,
  link: (url: string | undefined | null) => number | undefined,
): StatusRow {
  const time = status.updated_on ?? status.created_on;
  return {
    key: status.key,
    state: status.state,
    icon: STATE_ICONS.get(status.state) ?? 'question',
    name: status.name || status.key,
    description: status.description ?? undefined,
    when: relativeTime(time, now),
    whenTitle: absoluteTime(time),
    link: link(status.url),
  };
}

function runIcon(state: string, running: boolean): string {
  if (running && !state.startsWith('COMPLETED')) return 'sync~spin';
  if (/SUCCESSFUL/.test(state)) return 'check';
  if (/FAILED|ERROR/.test(state)) return 'error';
  if (/STOPPED|EXPIRED/.test(state)) return 'circle-slash';
  return 'circle-large-outline';
}

function heading(context: RepoContext): string {
  return `${formatRepository(context.repo)} · ${context.branch ?? 'detached HEAD'}`;
}

/** Bitbucket's web address for an API URL: https://api.bitbucket.org/2.0 → https://bitbucket.org; else the API's origin. */
export function bitbucketWebUrl(apiUrl: string): string {
  try {
    const url = new URL(apiUrl);
    if (url.hostname.startsWith('api.')) return `${url.protocol}//${url.host.slice(4)}`;
    return url.origin;
  } catch {
    return 'https://bitbucket.org';
  }
}
