// What the status bar item shows for each check state: icon and text, tooltip, background and the command on click.
import { type CommitStatus, formatRepository, type BuildState } from '../../core';
import { type CheckSnapshot, type CheckState, contextOf } from '../model/check-state';
import { BUILTIN_COMMANDS, COMMANDS } from '../model/command-ids';
import type { RepoContext } from '../model/repository';
import { sentences } from '../model/extension-messages';
import { isWebUrl } from './html';
import { stateWords } from './panel-model';
import { absoluteTime, relativeTime } from './relative-time';

export interface TooltipView {
  title: string;
  lines: string[];
  link?: { label: string; url: string };
}

export interface StatusBarView {
  visible: boolean;
  text: string;
  tooltip: TooltipView;
  background?: 'error' | 'warning';
  command: string;
}

/** Codicon per state; a Map, so a state the server made up (even `constructor`) finds nothing. */
export const STATE_ICONS: ReadonlyMap<string, string> = new Map<BuildState, string>([
  ['INPROGRESS', 'sync~spin'],
  ['SUCCESSFUL', 'check'],
  ['FAILED', 'error'],
  ['STOPPED', 'circle-slash'],
]);

/** Shown when HEAD has no status under the check key (or it is not known yet). */
export const NEUTRAL_ICON = 'circle-large-outline';

/** Another repository of a multi-root window, for the status bar's summary. */
export interface OtherRepository {
  name: string;
  state: CheckState;
}

/**
 * The status bar item for the repository shown. In a multi-root window it names that repository and sums up the
 * others (how many failed or run), whose states the tooltip lists one per line.
 */
export function statusBarView(
  state: CheckState,
  now: number,
  others: readonly OtherRepository[] = [],
): StatusBarView {
  const view = singleView(state, now);
  if (others.length === 0 || !view.visible) return view;
  const context = contextOf(state);
  const named = context
    ? view.text.replace(/^(\$\([^)]+\) )?/, (icon) => `${icon}${context.repo.slug}: `)
    : view.text;
  const checks = others.map((other) => ({ name: other.name, words: checkWords(other.state) }));
  const failed = checks.filter((check) => check.words.startsWith('failed')).length;
  const running = checks.filter((check) => check.words.startsWith('in progress')).length;
  const more = failed
    ? ` · $(error) ${failed} more failed`
    : running
      ? ` · $(sync~spin) ${running} more running`
      : '';
  return {
    ...view,
    text: `${named}${more}`,
    tooltip: {
      ...view.tooltip,
      lines: [
        ...view.tooltip.lines,
        `Other repositories: ${checks.map((check) => `${check.name} ${check.words}`).join('; ')}.`,
      ],
    },
  };
}

/** One repository's check in words, for the multi-root summary. */
function checkWords(state: CheckState): string {
  switch (state.kind) {
    case 'loaded': {
      const check = state.snapshot.check;
      return check ? `${stateWords(check.state)} (${check.key})` : `no ${state.snapshot.checkKey} status`;
    }
    case 'error':
      return 'could not be read';
    case 'not-pushed':
      return 'not on Bitbucket yet';
    case 'signed-out':
      return 'signed out';
    case 'restricted':
      return 'not read (Restricted Mode)';
    case 'loading':
      return 'loading';
    case 'no-repository':
      return 'no repository';
  }
}

function singleView(state: CheckState, now: number): StatusBarView {
  switch (state.kind) {
    case 'no-repository':
      return {
        visible: false,
        text: '',
        tooltip: { title: 'Crosscheck', lines: [] },
        command: COMMANDS.openPanel,
      };
    case 'restricted':
      return {
        visible: true,
        text: '$(workspace-untrusted) Crosscheck',
        tooltip: {
          title: 'Crosscheck: Restricted Mode',
          lines: [
            'Nothing is sent to Bitbucket for an untrusted workspace.',
            'Click to manage workspace trust.',
          ],
        },
        command: BUILTIN_COMMANDS.manageTrust,
      };
    case 'signed-out':
      return {
        visible: true,
        text: '$(warning) Crosscheck',
        tooltip: {
          title: 'Crosscheck: signed out',
          lines: [
            `Sign in to see the checks of ${formatRepository(state.context.repo)} on Bitbucket.`,
            'Click to sign in.',
          ],
        },
        command: COMMANDS.signIn,
      };
    case 'not-pushed':
      return {
        visible: true,
        text: `$(${NEUTRAL_ICON}) Crosscheck`,
        tooltip: {
          title: state.context.branch
            ? 'Crosscheck: HEAD is not on Bitbucket'
            : 'Crosscheck: HEAD is detached',
          lines: [state.problem.message, state.problem.hint],
        },
        command: COMMANDS.openPanel,
      };
    case 'loading':
      return {
        visible: true,
        text: `$(${NEUTRAL_ICON}) ${state.checkKey}`,
        tooltip: { title: `${state.checkKey}: loading…`, lines: [where(state.context)] },
        command: COMMANDS.openPanel,
      };
    case 'loaded':
      return loadedView(state.snapshot, now);
    case 'error': {
      const lines = [state.error.message];
      if (state.error.hint) lines.push(state.error.hint);
      const last = state.previous?.check;
      if (last) lines.push(`Last known: ${last.state}${since(last, now)}.`);
      return {
        visible: true,
        text: `$(warning) ${state.checkKey}`,
        tooltip: { title: `${state.checkKey}: could not be read`, lines },
        background: 'warning',
        command: state.error.credential ? COMMANDS.signIn : COMMANDS.openPanel,
      };
    }
  }
}

function loadedView(snapshot: CheckSnapshot, now: number): StatusBarView {
  const { check, checkKey, context } = snapshot;
  if (!check) {
    return {
      visible: true,
      text: `$(${NEUTRAL_ICON}) ${checkKey}`,
      tooltip: {
        title: `${checkKey}: no status`,
        lines: [
          `No ${checkKey} status on ${context.commit.slice(0, 7)} yet.`,
          where(context),
          othersLine(snapshot),
        ].filter(nonEmpty),
      },
      command: COMMANDS.openPanel,
    };
  }
  const lines = [
    check.description ?? '',
    `${check.state.toLowerCase()}${since(check, now)}`,
    where(context),
    othersLine(snapshot),
  ];
  const absolute = absoluteTime(check.updated_on ?? check.created_on);
  if (absolute) lines[1] += ` (${absolute})`;
  return {
    visible: true,
    text: `$(${STATE_ICONS.get(check.state) ?? 'question'}) ${checkKey}`,
    tooltip: {
      title: `${check.name || check.key}: ${check.state}`,
      lines: lines.filter(nonEmpty),
      link: isWebUrl(check.url) ? { label: 'Open the check', url: check.url } : undefined,
    },
    background: check.state === 'FAILED' ? 'error' : undefined,
    command: COMMANDS.openPanel,
  };
}

function since(status: CommitStatus, now: number): string {
  const relative = relativeTime(status.updated_on ?? status.created_on, now);
  return relative ? `, ${relative}` : '';
}

function where(context: RepoContext): string {
  const commit = context.commit ? ` · ${context.commit.slice(0, 7)}` : '';
  return `${formatRepository(context.repo)} · ${context.branch ?? 'detached HEAD'}${commit}`;
}

function othersLine(snapshot: CheckSnapshot): string {
  const others = snapshot.statuses.filter((status) => status.key !== snapshot.checkKey);
  if (others.length === 0) return '';
  const counts = new Map<string, number>();
  for (const status of others) counts.set(status.state, (counts.get(status.state) ?? 0) + 1);
  const parts = [...counts].map(([state, count]) => `${count} ${state.toLowerCase()}`);
  return `Other statuses on HEAD: ${parts.join(', ')}.`;
}

function nonEmpty(line: string): boolean {
  return line.length > 0;
}

/** What a screen reader says for the item: the title and lines as sentences, one period each ("acme/x. Click…"). */
export function accessibleLabel(tooltip: TooltipView): string {
  return sentences(tooltip.title, ...tooltip.lines);
}
