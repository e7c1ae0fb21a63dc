// What the PR status panel shows, derived from the check state: pull request, statuses, central run, merge verdict, actions.
import {
  type CommitStatus,
  mergeVerdict,
  type MergeVerdict,
  formatRepository,
  type BuildState,
  describePipelineState,
} from '../../core';
import type { CheckSnapshot, CheckState, StateError } from '../model/check-state';
import { sentences } from '../model/extension-messages';
import type { RepoContext } from '../model/repository';
import { runLabel, sameCommit } from '../model/runs';
import { isWebUrl } from './html';
import type { GateView } from './gate-table';
import { absoluteTime, relativeTime } from './relative-time';
import { STATE_ICONS } from './status-bar-view';

export interface StatusRow {
  key: string;
  state: BuildState;
  /** The state in words, part of the row's accessible name: "failed", "in progress", "passed", "stopped". */
  stateText: string;
  icon: string;
  name: string;
  description?: string;
  when?: string;
  whenTitle?: string;
  /** Index into `links`. */
  link?: number;
}

export interface PullRequestView {
  id: number;
  title: string;
  link?: number;
  source: string;
  destination: string;
  commit?: string;
  author?: string;
}

/** The status groups, in the order shown: what blocks first, then what runs, then what passed. */
export type StatusGroup = 'failed' | 'running' | 'passed';

export interface PanelModel {
  heading: string;
  /** The repositories of a multi-root window, to switch between (absent with one). */
  repositories?: Array<{ label: string; selected: boolean }>;
  notice?: { tone: 'info' | 'warning' | 'error'; message: string; hint?: string; signIn?: boolean };
  /** The pull request the check runs for. */
  pullRequest?: PullRequestView;
  /** Every open pull request from the branch, when there are several (the user picks the one the check runs for). */
  pullRequests?: PullRequestView[];
  /** Says that one status counts for every pull request of the commit, when there are several. */
  pullRequestsNote?: string;
  /** Explains the pull request part when there is none. */
  pullRequestNote?: string;
  statusesTitle?: string;
  /** Sorted: failed (and stopped), in progress, passed; by name within each. */
  statuses?: StatusRow[];
  run?: { label: string; state: string; icon: string; link?: number; note?: string };
  /** One line: counts, and what the merge check would say. */
  verdict?: { kind: MergeVerdict['kind']; summary: string };
  /** "Run central check" before any run for this commit, "Re-run central check" after one. */
  rerun: { enabled: boolean; label: string; reason?: string };
  refreshEnabled: boolean;
  openInBitbucket?: number;
  /** When the data shown was fetched; `stale` when the last refresh failed, so it may be out of date. */
  updated?: string;
  stale?: boolean;
  /** The quality gate's conditions, from the report Crosscheck posts on the commit (issue 21). */
  gate?: GateView;
  /** Every URL the panel may open, by index: the webview asks for an index, never for a URL. */
  links: string[];
}

const RUN_LABEL = 'Run central check';
const RERUN_LABEL = 'Re-run central check';
/** A group longer than this starts collapsed when something else needs attention (the passed ones). */
export const COLLAPSE_AFTER = 8;

/** The state in words for people and screen readers. */
export function stateWords(state: string): string {
  switch (state) {
    case 'SUCCESSFUL':
      return 'passed';
    case 'FAILED':
      return 'failed';
    case 'INPROGRESS':
      return 'in progress';
    case 'STOPPED':
      return 'stopped';
    default:
      return state.toLowerCase();
  }
}

/** Which group a status is listed in; anything not successful or running blocks a merge check like a failure. */
export function groupOf(state: string): StatusGroup {
  if (state === 'SUCCESSFUL') return 'passed';
  if (state === 'INPROGRESS') return 'running';
  return 'failed';
}

const GROUP_ORDER: Record<StatusGroup, number> = { failed: 0, running: 1, passed: 2 };

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
  const base = { rerun: { enabled: false, label: RUN_LABEL }, refreshEnabled: true, links };
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
        hint: sentences(state.error.hint, retryText(state.error, now)),
        signIn: state.error.credential,
      };
      if (!state.previous) return { ...base, heading: heading(state.context), notice };
      // The last good data stays, said to be possibly out of date, with when it was fetched.
      const kept = snapshotModel(state.previous, now, webUrl, link, links);
      return {
        ...kept,
        notice,
        stale: true,
        updated: `${kept.updated ?? ''}; could not be refreshed since, so it may be out of date`,
      };
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
  const label = run ? RERUN_LABEL : RUN_LABEL;
  const loaded = new Date(snapshot.loadedAt).toISOString();
  const model: PanelModel = {
    heading: heading(context),
    rerun:
      context.branch === undefined
        ? { enabled: false, label, reason: 'HEAD is detached: check out a branch to run the check.' }
        : run && !run.finished
          ? { enabled: false, label, reason: 'A central run is in progress.' }
          : { enabled: true, label },
    refreshEnabled: true,
    links,
    updated: `Last fetched ${relativeTime(loaded, now) ?? ''} (${absoluteTime(loaded) ?? ''})`,
  };

  let shown: CommitStatus[] = snapshot.statuses;
  let shownCommit = context.commit;
  const prView = (found: NonNullable<CheckSnapshot['pullRequest']>): PullRequestView => ({
    id: found.id,
    title: found.title,
    link: link(found.links?.html?.href ?? `${repoWeb}/pull-requests/${found.id}`),
    source: found.source.branch.name,
    destination: found.destination.branch.name,
    commit: found.source.commit?.hash?.slice(0, 7),
    author: found.author?.display_name,
  });
  if (pullRequest) {
    const tip = pullRequest.source.commit?.hash;
    model.pullRequest = prView(pullRequest);
    const all = snapshot.pullRequests ?? [];
    if (all.length > 1) {
      model.pullRequests = all.map(prView);
      model.pullRequestsNote = `${context.branch ?? 'This branch'} has ${all.length} open pull requests. A build status belongs to the commit, so each status below counts for all of them; the check runs for the one picked.`;
    }
    if (tip && !sameCommit(tip, context.commit)) {
      model.notice = {
        tone: 'info',
        message: `Your HEAD (${context.commit.slice(0, 7)}) is not the pull request's tip (${tip.slice(0, 7)}).`,
        hint: 'The statuses below are those on the tip, which the merge check counts. Push or pull to line them up.',
      };
    }
    shown = snapshot.pullRequestStatuses ?? snapshot.statuses;
    shownCommit = tip ?? context.commit;
    model.openInBitbucket = model.pullRequest.link;
  } else {
    model.pullRequestNote =
      context.branch === undefined
        ? `HEAD is detached at ${context.commit.slice(0, 7)}: these are that commit's statuses. Check out a branch to see its pull request and run the check.`
        : `No open pull request from ${context.branch}.`;
    model.openInBitbucket = link(`${repoWeb}/commits/${context.commit}`);
  }
  model.verdict = verdictOf(mergeVerdict(shown), shown, pullRequest !== undefined);
  model.statusesTitle = `Build statuses on ${shownCommit.slice(0, 7)}`;
  model.statuses = shown
    .map((status) => statusRow(status, now, link))
    .sort(
      (a, b) =>
        GROUP_ORDER[groupOf(a.state)] - GROUP_ORDER[groupOf(b.state)] ||
        a.name.localeCompare(b.name) ||
        a.key.localeCompare(b.key),
    );
  if (run) {
    const label = `${runLabel(run)} in ${formatRepository(run.central)}`;
    const state = snapshot.pipeline?.state
      ? describePipelineState(snapshot.pipeline)
      : (run.lastState ?? 'started');
    model.run = {
      label,
      state,
      icon: runIcon(state, !run.finished),
      link: link(run.runUrl),
      note: run.finished?.stopped ? run.finished.summary : (snapshot.runProblem ?? run.finished?.summary),
    };
  }
  return model;
}

/** How many names the one-line summary spells out before "and N more". */
const SUMMARY_NAMES = 3;

/**
 * One line: "3 of 30 failed, 1 in progress; the merge check would block: SonarQube, Lint, Build and 1 more." The full
 * list is right below, sorted the same way. Without a pull request it speaks of the commit.
 */
function verdictOf(
  verdict: MergeVerdict,
  statuses: readonly CommitStatus[],
  forPullRequest: boolean,
): PanelModel['verdict'] {
  const gate = forPullRequest ? 'the merge check would' : 'a merge check would';
  if (verdict.kind === 'none')
    return { kind: 'none', summary: `No build statuses yet: ${gate} block if it requires builds.` };
  const total = statuses.length;
  if (verdict.kind === 'pass') return { kind: 'pass', summary: `All ${total} passed: ${gate} pass.` };
  const failed = statuses.filter((status) => groupOf(status.state) === 'failed');
  const running = statuses.filter((status) => groupOf(status.state) === 'running');
  const counts = [
    failed.length ? `${failed.length} of ${total} failed` : '',
    running.length ? `${running.length}${failed.length ? '' : ` of ${total}`} in progress` : '',
  ].filter(Boolean);
  const blocking = [...failed, ...running].map((status) => status.name || status.key);
  const named = blocking.slice(0, SUMMARY_NAMES);
  const more = blocking.length - named.length;
  const list = more > 0 ? `${named.join(', ')} and ${more} more` : joinNames(named);
  return { kind: 'blocked', summary: `${counts.join(', ')}; ${gate} block: ${list}.` };
}

function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/** When Crosscheck polls again after a failure, e.g. "Crosscheck tries again at 10:42 UTC (in 4 min); Refresh tries now". */
function retryText(error: StateError, now: number): string | undefined {
  if (error.retryAt === undefined || error.credential) return undefined;
  const minutes = Math.max(1, Math.round((error.retryAt - now) / 60_000));
  const at = absoluteTime(new Date(error.retryAt).toISOString())?.slice(11);
  return `Crosscheck tries again at ${at ?? 'a later time'} (in ${minutes} min); Refresh tries now.`;
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
    stateText: stateWords(status.state),
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

/**
 * What changed between two renders, said once in the panel's polite live region: a status that changed state or
 * appeared, the central run's new state, a new error, or another repository or branch shown. Nothing on the first
 * render or when nothing changed state (a poll that only moved "3 min ago" says nothing).
 */
export function announcementOf(previous: PanelModel | undefined, next: PanelModel): string | undefined {
  if (!previous) return undefined;
  if (previous.heading !== next.heading) return `Showing ${next.heading}.`;
  const parts: string[] = [];
  const before = new Map((previous.statuses ?? []).map((row) => [row.key, row]));
  if (previous.statuses) {
    for (const row of next.statuses ?? []) {
      if (before.get(row.key)?.state !== row.state) parts.push(`${row.name}: ${row.stateText}`);
    }
  }
  if (next.run && (previous.run?.label !== next.run.label || previous.run.state !== next.run.state)) {
    parts.push(`Central run ${next.run.label}: ${next.run.state.toLowerCase()}`);
  }
  if (next.notice?.tone === 'error' && next.notice.message !== previous.notice?.message) {
    parts.push(next.notice.message);
  }
  return parts.length > 0 ? sentences(...parts) : undefined;
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
