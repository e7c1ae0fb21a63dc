// Maps a quality gate status onto a build status: OK passes, ERROR fails, WARN and NONE follow the chosen policy.
import { InputError } from '../errors';
import { MAX_DESCRIPTION_LENGTH } from '../validation';
import { describeCondition, type DescribedCondition } from './conditions';
import type { GateStatus, ProjectStatus } from './types';

/** What WARN (older SonarQube versions) and NONE (no gate on the project) turn into. */
export type GatePolicy = 'failed' | 'successful';

export interface GatePolicies {
  onWarn: GatePolicy;
  onNone: GatePolicy;
}

export const DEFAULT_POLICIES: GatePolicies = { onWarn: 'failed', onNone: 'failed' };

export interface GateVerdict {
  gate: GateStatus;
  state: 'SUCCESSFUL' | 'FAILED';
  /** One line for people, e.g. "Quality gate failed". */
  summary: string;
  /** Every condition of the gate, in words. */
  conditions: DescribedCondition[];
  /** The conditions not met (ERROR or WARN). */
  failing: DescribedCondition[];
  /** The build status description: the summary and the failing conditions, shortened to fit Bitbucket. */
  description: string;
}

export function parseGatePolicy(value: string | undefined, option: string): GatePolicy {
  if (value === undefined) return 'failed';
  const policy = value.trim().toLowerCase();
  if (policy === 'failed' || policy === 'successful') return policy;
  throw new InputError(
    `${option} "${value}" is not a policy.`,
    `Give ${option} failed or ${option} successful.`,
  );
}

export function gateVerdict(status: ProjectStatus, policies: GatePolicies = DEFAULT_POLICIES): GateVerdict {
  const conditions = (status.conditions ?? []).map(describeCondition);
  const failing = conditions.filter(
    (condition) => condition.status === 'ERROR' || condition.status === 'WARN',
  );
  const gate = status.status;
  let state: GateVerdict['state'];
  let summary: string;
  switch (gate) {
    case 'OK':
      state = 'SUCCESSFUL';
      summary = 'Quality gate passed';
      break;
    case 'ERROR':
      state = 'FAILED';
      summary = 'Quality gate failed';
      break;
    case 'WARN':
      state = policies.onWarn === 'successful' ? 'SUCCESSFUL' : 'FAILED';
      summary =
        state === 'SUCCESSFUL'
          ? 'Quality gate passed with warnings'
          : 'Quality gate warning (counted as failed)';
      break;
    default:
      state = policies.onNone === 'successful' ? 'SUCCESSFUL' : 'FAILED';
      summary =
        state === 'SUCCESSFUL'
          ? 'No quality gate is set for this project in SonarQube (counted as passed)'
          : 'No quality gate is set for this project in SonarQube, so it cannot pass: assign one';
  }
  return { gate, state, summary, conditions, failing, description: describeVerdict(summary, failing) };
}

/** "Summary: condition; condition; +N more", keeping whole conditions within Bitbucket's description length. */
function describeVerdict(
  summary: string,
  failing: readonly DescribedCondition[],
  max = MAX_DESCRIPTION_LENGTH,
): string {
  if (failing.length === 0) return summary.slice(0, max);
  const texts = failing.map((condition) => condition.text);
  for (let kept = texts.length; kept > 0; kept--) {
    const more = texts.length - kept;
    const text = `${summary}: ${texts.slice(0, kept).join('; ')}${more ? `; +${more} more` : ''}`;
    if (text.length <= max) return text;
  }
  const first = `${summary}: ${texts[0]}`;
  return first.length <= max ? first : `${first.slice(0, max - 1)}…`;
}
