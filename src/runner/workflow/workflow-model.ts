// A GitHub workflow file as plain data (read with `yaml` after GitHub's parser accepted it): triggers, env, jobs, steps.
import { parse } from 'yaml';

/** Input that cannot be run or translated: exit 2, nothing was run. */
export class WorkflowError extends Error {}

export interface WorkflowStep {
  /** `steps[2]`, for messages. */
  key: string;
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with: Record<string, string>;
  env: Record<string, string>;
  shell?: string;
  workingDirectory?: string;
  continueOnError?: string;
  timeoutMinutes?: string;
}

export interface WorkflowJob {
  id: string;
  name?: string;
  needs: string[];
  if?: string;
  env: Record<string, string>;
  defaults: { shell?: string; workingDirectory?: string };
  /** `strategy.matrix` as written: a mapping, or an expression string. */
  matrix?: unknown;
  outputs: Record<string, string>;
  steps: WorkflowStep[];
  timeoutMinutes?: string;
  continueOnError?: string;
  /** Keys that have no meaning in a Bitbucket step, as written (`runs-on`, `permissions`…). */
  inapplicable: string[];
  container?: unknown;
  services?: unknown;
  /** A reusable workflow call (`jobs.<id>.uses`). */
  uses?: string;
}

export interface Workflow {
  file: string;
  name: string;
  /** `on:` normalised to a mapping of event name to its filter (null when none). */
  on: Record<string, Record<string, unknown> | null>;
  env: Record<string, string>;
  defaults: { shell?: string; workingDirectory?: string };
  jobs: WorkflowJob[];
  inapplicable: string[];
}

const JOB_INAPPLICABLE = ['runs-on', 'permissions', 'concurrency', 'environment'];
const WORKFLOW_INAPPLICABLE = ['permissions', 'concurrency', 'run-name'];

type Mapping = Record<string, unknown>;

const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A scalar as the runner sees it: numbers and booleans as their text, null as ''. */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

function strings(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (isMapping(value)) for (const [key, entry] of Object.entries(value)) result[key] = text(entry) ?? '';
  return result;
}

function runDefaults(value: unknown): { shell?: string; workingDirectory?: string } {
  const run = isMapping(value) && isMapping(value.run) ? value.run : {};
  const shell = text(run.shell);
  const workingDirectory = text(run['working-directory']);
  return {
    ...(shell !== undefined && { shell }),
    ...(workingDirectory !== undefined && { workingDirectory }),
  };
}

/** Reads a workflow GitHub's parser has already validated; the shape is trusted only as far as that goes. */
export function readWorkflow(file: string, content: string): Workflow {
  const document: unknown = parse(content);
  if (!isMapping(document) || !isMapping(document.jobs)) {
    throw new WorkflowError(`${file}: not a workflow (no jobs: mapping).`);
  }
  const on = document.on ?? document.true;
  return {
    file,
    name: text(document.name) ?? file,
    on: normaliseOn(on),
    env: strings(document.env),
    defaults: runDefaults(document.defaults),
    jobs: Object.entries(document.jobs).map(([id, job]) => readJob(id, isMapping(job) ? job : {})),
    inapplicable: WORKFLOW_INAPPLICABLE.filter((key) => key in document),
  };
}

function normaliseOn(on: unknown): Workflow['on'] {
  const events: Workflow['on'] = {};
  if (typeof on === 'string') events[on] = null;
  else if (Array.isArray(on)) for (const name of on) events[String(name)] = null;
  else if (isMapping(on))
    for (const [name, filter] of Object.entries(on)) events[name] = isMapping(filter) ? filter : null;
  return events;
}

function readJob(id: string, job: Mapping): WorkflowJob {
  const needs =
    job.needs === undefined
      ? []
      : Array.isArray(job.needs)
        ? job.needs.map((need) => text(need) ?? '')
        : [text(job.needs) ?? ''];
  const strategy = isMapping(job.strategy) ? job.strategy : {};
  const steps = Array.isArray(job.steps) ? job.steps : [];
  const optional = (key: string) => text(job[key]);
  return {
    id,
    ...(optional('name') !== undefined && { name: optional('name') }),
    needs,
    ...(optional('if') !== undefined && { if: optional('if') }),
    env: strings(job.env),
    defaults: runDefaults(job.defaults),
    ...(strategy.matrix !== undefined && { matrix: strategy.matrix }),
    outputs: strings(job.outputs),
    steps: steps.map((step, index) => readStep(index, isMapping(step) ? step : {})),
    ...(optional('timeout-minutes') !== undefined && { timeoutMinutes: optional('timeout-minutes') }),
    ...(optional('continue-on-error') !== undefined && { continueOnError: optional('continue-on-error') }),
    inapplicable: JOB_INAPPLICABLE.filter((key) => key in job),
    ...(job.container !== undefined && { container: job.container }),
    ...(job.services !== undefined && { services: job.services }),
    ...(optional('uses') !== undefined && { uses: optional('uses') }),
  };
}

function readStep(index: number, step: Mapping): WorkflowStep {
  const field = (key: string) => text(step[key]);
  const entries: Array<[keyof WorkflowStep, string | undefined]> = [
    ['id', field('id')],
    ['name', field('name')],
    ['if', field('if')],
    ['uses', field('uses')],
    ['run', field('run')],
    ['shell', field('shell')],
    ['workingDirectory', field('working-directory')],
    ['continueOnError', field('continue-on-error')],
    ['timeoutMinutes', field('timeout-minutes')],
  ];
  const result: WorkflowStep = { key: `steps[${index}]`, with: strings(step.with), env: strings(step.env) };
  for (const [key, value] of entries) if (value !== undefined) Object.assign(result, { [key]: value });
  return result;
}

/** The job named `id`, or an error listing the jobs there are. */
export function findJob(workflow: Workflow, id: string): WorkflowJob {
  const job = workflow.jobs.find((candidate) => candidate.id === id);
  if (!job) {
    throw new WorkflowError(
      `${workflow.file} has no job '${id}'. Its jobs: ${workflow.jobs.map((candidate) => candidate.id).join(', ')}.`,
    );
  }
  return job;
}

/** Jobs in the order `needs:` allows, grouped: every job of a group needs only jobs of earlier groups. */
export function jobLevels(workflow: Workflow): WorkflowJob[][] {
  const levels: WorkflowJob[][] = [];
  const placed = new Set<string>();
  let remaining = [...workflow.jobs];
  while (remaining.length > 0) {
    const ready = remaining.filter((job) => job.needs.every((need) => placed.has(need)));
    if (ready.length === 0) {
      throw new WorkflowError(
        `${workflow.file}: the needs: of ${remaining.map((job) => job.id).join(', ')} form a cycle or name a missing job.`,
      );
    }
    levels.push(ready);
    for (const job of ready) placed.add(job.id);
    remaining = remaining.filter((job) => !ready.includes(job));
  }
  return levels;
}
