// What the status bar item shows for each check state: icon and text, tooltip, background and the command on click.
import { type CommitStatus, formatRepository, type BuildState } from '../../core';
import type { CheckSnapshot, CheckState } from '../model/check-state';
import { BUILTIN_COMMANDS, COMMANDS } from '../model/command-ids';
import type { RepoContext } from '../model/repository';
import { isWebUrl } from './html';
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

export function statusBarView(state: CheckState, now: number): StatusBarView {
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
            `Sign in to Bitbucket to see the checks of ${formatRepository(state.context.repo)}.`,
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
          title: 'Crosscheck: HEAD is not on Bitbucket',
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
