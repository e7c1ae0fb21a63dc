// Draws a bitbucket-pipelines.yml from GitHub workflows: a step per job (and matrix combination), needs as order.
import { parse, stringify } from 'yaml';
import { describeCombination, matrixCombinations, type Combination } from './matrix';
import { jobLevels, type Workflow, type WorkflowJob } from './workflow-model';

export interface PipelinesOptions {
  /** The Crosscheck version the steps install (pinned). */
  version: string;
  /**
   * The release tarball: a path in the repository (installed offline), or an https:// URL (downloaded and checked
   * against $CROSSCHECK_TARBALL_SHA256 first).
   */
  tarball: string;
  /** The image of every step. */
  image: string;
}

export interface DrawnPipelines {
  yaml: string;
  /** What could not be translated, one line each (also written as comments at the top of the file). */
  untranslated: string[];
  /** The drawn file read back and checked against the keys Pipelines accepts: empty unless Crosscheck has a bug. */
  problems: string[];
}

/** Where a job's outputs file goes, as an artifact for the steps of the jobs that need it. */
export const OUTPUTS_FOLDER = '.crosscheck/outputs';

type Step = Record<string, unknown>;
type Entry = { step: Step } | { parallel: Array<{ step: Step }> };

/** Keys Bitbucket Pipelines accepts, by level, as its schema (bitbucket-pipelines.schema.json) lists them. */
export const PIPELINES_KEYS = {
  root: ['image', 'clone', 'options', 'definitions', 'pipelines'],
  pipelines: ['default', 'branches', 'tags', 'bookmarks', 'pull-requests', 'custom'],
  step: [
    'name',
    'script',
    'image',
    'caches',
    'services',
    'artifacts',
    'after-script',
    'size',
    'clone',
    'deployment',
    'trigger',
    'condition',
    'max-time',
    'oidc',
    'runs-on',
    'fail-fast',
    'runtime',
    'environment',
    'concurrency-group',
    'output-variables',
  ],
  parallel: ['steps', 'fail-fast'],
  variable: ['name', 'default', 'allowed-values', 'description'],
};

function quote(value: string): string {
  return /^[A-Za-z0-9_./@:=-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** One job's steps: one per matrix combination. */
function jobSteps(
  workflow: Workflow,
  job: WorkflowJob,
  options: PipelinesOptions,
  needed: Set<string>,
  untranslated: string[],
  inputs: string[],
): Step[] {
  let combinations: Combination[];
  try {
    combinations = matrixCombinations(job);
  } catch (error) {
    untranslated.push(
      `${workflow.file}: jobs.${job.id}: ${(error as Error).message} One step with no --matrix was drawn; add the values.`,
    );
    combinations = [{}];
  }
  const { secrets, vars } = referencedNames(job);
  if (secrets.includes('GITHUB_TOKEN')) {
    untranslated.push(
      `${workflow.file}: jobs.${job.id} uses secrets.GITHUB_TOKEN; there is none in Bitbucket (give one with --secret GITHUB_TOKEN if a GitHub API is really called).`,
    );
  }
  const given = secrets.filter((name) => name !== 'GITHUB_TOKEN');
  if (given.length + vars.length > 0) {
    untranslated.push(
      `${workflow.file}: jobs.${job.id} reads ${[...given.map((name) => `secrets.${name}`), ...vars.map((name) => `vars.${name}`)].join(', ')}: define repository variables of the same names, secured for the secrets (the step passes them with --secret / --var).`,
    );
  }
  const checkoutDepth = job.steps.some(
    (step) => /^actions\/checkout@/i.test(step.uses ?? '') && step.with['fetch-depth'] === '0',
  );
  return combinations.map((combination, index) => {
    const suffix = combinations.length > 1 ? `-${index + 1}` : '';
    const outputs = `${OUTPUTS_FOLDER}/${job.id}${suffix}.env`;
    const args = [
      'crosscheck workflow run',
      quote(workflow.file),
      '--job',
      quote(job.id),
      ...Object.entries(combination).flatMap(([key, value]) => [
        '--matrix',
        quote(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`),
      ]),
      ...job.needs.map((need) => `--needs ${OUTPUTS_FOLDER}/${need}*.env`),
      ...given.map((name) => `--secret ${name}`),
      ...vars.map((name) => `--var ${name}="$${name}"`),
      ...inputs.map((name) => `--input ${quote(name)}="$${variableName(name)}"`),
      ...(needed.has(job.id) ? ['--outputs-file', outputs] : []),
    ];
    // A name written with the matrix (`Node.js ${{ matrix.node-version }}`) shows the combination's values.
    const label = (job.name ?? job.id).replace(
      /\$\{\{\s*matrix\.([A-Za-z_][\w-]*)\s*\}\}/g,
      (written, key: string) => {
        const value = combination[key];
        if (value === undefined) return written;
        return typeof value === 'string' ? value : JSON.stringify(value);
      },
    );
    const step: Step = {
      name: `${label}${combinations.length > 1 ? ` (${describeCombination(combination)})` : ''}`,
      ...(checkoutDepth && { clone: { depth: 'full' } }),
      script: [
        installLine(options),
        ...(needed.has(job.id) ? [`mkdir -p ${OUTPUTS_FOLDER}`] : []),
        args.join(' '),
      ],
      ...(needed.has(job.id) && { artifacts: [`${OUTPUTS_FOLDER}/${job.id}${suffix}.env`] }),
    };
    return step;
  });
}

/** The `secrets.NAME` and `vars.NAME` a job's values name (dot syntax), each once, in order of appearance. */
function referencedNames(job: WorkflowJob): { secrets: string[]; vars: string[] } {
  const text = JSON.stringify(job);
  const names = (context: string) => [
    ...new Set(
      [...text.matchAll(new RegExp(`\\b${context}\\.([A-Za-z_][A-Za-z0-9_]*)`, 'g'))].map(
        (match) => match[1]!,
      ),
    ),
  ];
  return { secrets: names('secrets'), vars: names('vars') };
}

/**
 * The step's first line: Crosscheck at exactly `version`, unless the image already has that version. A URL is
 * downloaded and its sha256 checked against the secured variable CROSSCHECK_TARBALL_SHA256 before it is installed.
 */
export function installLine(options: PipelinesOptions): string {
  const pinned = `[ "$(crosscheck --version 2>/dev/null)" = ${quote(options.version)} ] ||`;
  if (!/^https:\/\//.test(options.tarball))
    return `${pinned} npm install --global --offline ${quote(options.tarball)}`;
  const file = `/tmp/crosscheck-${options.version}.tgz`;
  return `${pinned} { curl -fsSL -o ${file} ${quote(options.tarball)} && echo "$CROSSCHECK_TARBALL_SHA256  ${file}" | sha256sum -c - && npm install --global --offline ${file}; }`;
}

/** A workflow_dispatch input as a Pipelines variable name (letters, digits and _). */
export function variableName(input: string): string {
  return `WORKFLOW_INPUT_${input.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** The steps of one workflow in needs order: independent jobs (and matrix combinations) side by side in parallel:. */
function workflowEntries(
  workflow: Workflow,
  options: PipelinesOptions,
  untranslated: string[],
  inputs: string[],
): Entry[] {
  const needed = new Set(workflow.jobs.flatMap((job) => job.needs));
  const entries: Entry[] = [];
  for (const level of jobLevels(workflow)) {
    const steps = level.flatMap((job) => jobSteps(workflow, job, options, needed, untranslated, inputs));
    entries.push(steps.length === 1 ? { step: steps[0]! } : { parallel: steps.map((step) => ({ step })) });
  }
  return entries;
}

const TRANSLATED = new Set(['push', 'pull_request', 'workflow_dispatch']);

/** The bitbucket-pipelines.yml that runs `workflows`; what cannot be said in Pipelines is listed, never dropped silently. */
export function drawPipelines(workflows: Workflow[], options: PipelinesOptions): DrawnPipelines {
  const untranslated: string[] = [];
  const pipelines: Record<string, unknown> = {};
  const branches: Record<string, Entry[]> = {};
  const tags: Record<string, Entry[]> = {};
  const pullRequests: Record<string, Entry[]> = {};
  const custom: Record<string, unknown[]> = {};
  let defaults: Entry[] | undefined;
  for (const workflow of workflows) {
    const plain = workflowEntries(workflow, options, untranslated, []);
    for (const job of workflow.jobs) {
      for (const key of job.inapplicable)
        untranslated.push(
          `${workflow.file}: jobs.${job.id}.${key} has no Pipelines equivalent here; set it on the step by hand if needed.`,
        );
      if (job.container !== undefined)
        untranslated.push(
          `${workflow.file}: jobs.${job.id}.container: make its image the step's image: and remove container: (workflow run refuses it).`,
        );
      if (job.services !== undefined)
        untranslated.push(
          `${workflow.file}: jobs.${job.id}.services: declare them under definitions: services: and list them on the step (workflow run refuses them).`,
        );
      if (job.if !== undefined)
        untranslated.push(
          `${workflow.file}: jobs.${job.id}.if is judged by workflow run inside the step (the step runs and reports the job skipped).`,
        );
    }
    for (const [event, filter] of Object.entries(workflow.on)) {
      if (event === 'push') {
        const patterns = Array.isArray(filter?.branches) ? filter.branches.map(String) : [];
        const tagPatterns = Array.isArray(filter?.tags) ? filter.tags.map(String) : [];
        for (const key of ['branches-ignore', 'tags-ignore', 'paths', 'paths-ignore']) {
          if (filter?.[key] !== undefined)
            untranslated.push(
              `${workflow.file}: on.push.${key} has no Pipelines trigger equivalent; the pipeline runs for every push the other filters allow.`,
            );
        }
        for (const pattern of patterns) branches[pattern] = [...(branches[pattern] ?? []), ...plain];
        for (const pattern of tagPatterns) tags[pattern] = [...(tags[pattern] ?? []), ...plain];
        if (patterns.length === 0 && tagPatterns.length === 0) defaults = [...(defaults ?? []), ...plain];
      } else if (event === 'pull_request') {
        const patterns = Array.isArray(filter?.branches) ? filter.branches.map(String) : [];
        if (patterns.length > 0 || filter?.['branches-ignore'] !== undefined) {
          untranslated.push(
            `${workflow.file}: on.pull_request branch filters match the destination branch; Pipelines' pull-requests: patterns match the source branch, so '**' starts every pull request's steps and workflow run skips the job when the destination is filtered out.`,
          );
        }
        for (const key of ['paths', 'paths-ignore', 'types']) {
          if (filter?.[key] !== undefined)
            untranslated.push(
              `${workflow.file}: on.pull_request.${key} has no Pipelines equivalent; every pull request update runs.`,
            );
        }
        pullRequests['**'] = [...(pullRequests['**'] ?? []), ...plain];
      } else if (event === 'workflow_dispatch') {
        const inputs =
          filter?.inputs && typeof filter.inputs === 'object'
            ? (filter.inputs as Record<string, Record<string, unknown> | null>)
            : {};
        const variables = Object.entries(inputs).map(([name, input]) => ({
          name: variableName(name),
          ...(input?.default !== undefined && {
            default:
              typeof input.default === 'object'
                ? JSON.stringify(input.default)
                : String(input.default as string),
          }),
          ...(Array.isArray(input?.options) && { 'allowed-values': input.options.map(String) }),
          ...(typeof input?.description === 'string' && { description: input.description }),
        }));
        const name =
          workflow.name
            .replace(/[^A-Za-z0-9_-]+/g, '-')
            .replace(/^-+|-+$/g, '')
            .toLowerCase() || 'workflow';
        custom[name] = [
          ...(variables.length > 0 ? [{ variables }] : []),
          ...workflowEntries(workflow, options, [], Object.keys(inputs)),
        ];
      } else if (!TRANSLATED.has(event)) {
        untranslated.push(
          event === 'schedule'
            ? `${workflow.file}: on.schedule: Pipelines schedules are set in Repository settings → Schedules; point one at a custom pipeline (add workflow_dispatch to the workflow to get one).`
            : `${workflow.file}: on.${event} has no Pipelines trigger; it is left out.`,
        );
      }
    }
    for (const key of workflow.inapplicable)
      untranslated.push(`${workflow.file}: ${key} has no Pipelines equivalent.`);
  }
  if (defaults) pipelines.default = defaults;
  if (Object.keys(branches).length) pipelines.branches = branches;
  if (Object.keys(tags).length) pipelines.tags = tags;
  if (Object.keys(pullRequests).length) pipelines['pull-requests'] = pullRequests;
  if (Object.keys(custom).length) pipelines.custom = custom;
  if (Object.keys(pipelines).length === 0) {
    untranslated.push(
      'None of the workflows is triggered by push, pull_request or workflow_dispatch: the file has no pipelines.',
    );
  }
  const unique = [...new Set(untranslated)];
  const header = [
    `# Drawn by crosscheck ${options.version} (crosscheck workflow pipelines) from ${workflows.map((workflow) => workflow.file).join(', ')}.`,
    /^https:\/\//.test(options.tarball)
      ? `# Every step installs Crosscheck ${options.version} from ${options.tarball}, checked against the secured variable CROSSCHECK_TARBALL_SHA256.`
      : `# Every step installs Crosscheck ${options.version} from ${options.tarball} (commit the release tarball there).`,
    ...(unique.length ? ['# Not translated:', ...unique.map((line) => `#   - ${line}`)] : []),
  ];
  const body = stringify({ image: options.image, pipelines }, { lineWidth: 0, aliasDuplicateObjects: false });
  const yaml = `${header.join('\n')}\n${body}`;
  return { yaml, untranslated: unique, problems: checkPipelinesKeys(parse(yaml)) };
}

/** Problems of a drawn file against the keys Pipelines accepts (pure); empty when none. */
export function checkPipelinesKeys(document: unknown): string[] {
  const problems: string[] = [];
  const mapping = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const only = (value: unknown, allowed: string[], where: string) => {
    if (!mapping(value)) return problems.push(`${where} is not a mapping`);
    for (const key of Object.keys(value))
      if (!allowed.includes(key)) problems.push(`${where}.${key} is not a key Pipelines accepts`);
    return 0;
  };
  const steps = (list: unknown, where: string, top: boolean) => {
    if (!Array.isArray(list) || list.length === 0) return problems.push(`${where} is not a list of steps`);
    list.forEach((entry, index) => {
      const at = `${where}[${index}]`;
      if (!mapping(entry)) return problems.push(`${at} is not a mapping`);
      if ('step' in entry) {
        only(entry.step, PIPELINES_KEYS.step, `${at}.step`);
        const script = mapping(entry.step) ? entry.step.script : undefined;
        if (
          !Array.isArray(script) ||
          script.length === 0 ||
          !script.every((line) => typeof line === 'string')
        )
          problems.push(`${at}.step.script is not a list of commands`);
      } else if ('parallel' in entry) {
        const parallel = entry.parallel;
        if (Array.isArray(parallel)) {
          if (parallel.length < 2) problems.push(`${at}.parallel needs at least two steps`);
          steps(parallel, `${at}.parallel`, false);
        } else if (mapping(parallel)) {
          only(parallel, PIPELINES_KEYS.parallel, `${at}.parallel`);
          steps(parallel.steps, `${at}.parallel.steps`, false);
        } else problems.push(`${at}.parallel is not a list of steps`);
      } else if ('variables' in entry && top && index === 0) {
        const variables = entry.variables;
        if (!Array.isArray(variables)) problems.push(`${at}.variables is not a list`);
        else for (const variable of variables) only(variable, PIPELINES_KEYS.variable, `${at}.variables[]`);
      } else problems.push(`${at} is neither a step nor parallel steps`);
      return 0;
    });
    return 0;
  };
  only(document, PIPELINES_KEYS.root, 'the file');
  if (!mapping(document) || !mapping(document.pipelines)) return [...problems, 'pipelines: is missing'];
  only(document.pipelines, PIPELINES_KEYS.pipelines, 'pipelines');
  for (const [section, value] of Object.entries(document.pipelines)) {
    if (section === 'default') steps(value, 'pipelines.default', true);
    else if (mapping(value))
      for (const [pattern, list] of Object.entries(value))
        steps(list, `pipelines.${section}.${pattern}`, true);
    else problems.push(`pipelines.${section} is not a mapping of patterns`);
  }
  return problems;
}
