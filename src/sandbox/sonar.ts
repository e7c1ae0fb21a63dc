// SonarQube stand-in under /sonar: analyses submitted by tests go through the Compute Engine lifecycle; ce/task, quality gate and issues answer from them.
import { createHash } from 'node:crypto';
import { headerValue, type Credentials } from './auth';
import { json, route, sonarError, type Handler, type Reply, type RequestContext, type Route } from './http';
import { sonarTime } from './ids';

export const SONAR_SERVER_VERSION = '10.7.0.96327';

export type SonarTaskStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | 'CANCELED';
export type SonarGateStatus = 'OK' | 'WARN' | 'ERROR' | 'NONE';

export interface SonarCondition {
  readonly metricKey: string;
  readonly comparator: 'GT' | 'LT';
  readonly errorThreshold: string;
  readonly actualValue: string;
  /** Computed from comparator, threshold and actual value when omitted. */
  readonly status?: 'OK' | 'WARN' | 'ERROR';
}

export interface SonarGate {
  readonly status: SonarGateStatus;
  /** Realistic defaults for the status when omitted (ERROR: coverage on new code 62.5 < 80). */
  readonly conditions?: readonly SonarCondition[];
}

/** An issue as api/issues/search lists it (the fields Crosscheck reads). */
export interface SonarIssue {
  readonly key: string;
  readonly rule: string;
  readonly severity: 'BLOCKER' | 'CRITICAL' | 'MAJOR' | 'MINOR' | 'INFO';
  /** `projectKey:path/to/file.ts` */
  readonly component: string;
  readonly line?: number;
  readonly message: string;
  readonly type: 'BUG' | 'VULNERABILITY' | 'CODE_SMELL';
  readonly textRange?: {
    readonly startLine: number;
    readonly endLine: number;
    readonly startOffset: number;
    readonly endOffset: number;
  };
}

export interface SubmitAnalysisOptions {
  readonly projectKey: string;
  readonly branch?: string;
  readonly pullRequest?: string;
  /** Time from submission to the final status (default 1000 ms): PENDING for the first quarter, then IN_PROGRESS. */
  readonly processingMs?: number;
  /** Final Compute Engine status (default SUCCESS). */
  readonly outcome?: 'SUCCESS' | 'FAILED' | 'CANCELED';
  /** Quality gate of the analysis (default OK). */
  readonly gate?: SonarGate;
  /** Issues of the analysis, or how many synthetic ones to generate over a few files. */
  readonly issues?: number | readonly SonarIssue[];
  /** The commit analysed (`sonar.scm.revision`), listed by api/project_analyses/search; none when omitted. */
  readonly revision?: string;
}

export interface SubmittedAnalysis {
  readonly ceTaskId: string;
  /** The report-task.txt the scanner would write: projectKey, serverUrl, serverVersion, dashboardUrl, ceTaskId, ceTaskUrl. */
  readonly reportTask: string;
}

/** Test controls of the SonarQube stand-in. */
export interface SonarControls {
  /** Registers an analysis as if a scanner had uploaded it just now. */
  submitAnalysis(o: SubmitAnalysisOptions): SubmittedAnalysis;
  /** How many times api/ce/task was asked about the task. */
  ceTaskCalls(taskId: string): number;
  /** When the task reached its final status (ms since epoch), or undefined while it is still pending or in progress. */
  completedAt(taskId: string): number | undefined;
  /** Analyses a scanner uploaded through api/ce/submit, oldest first, with the properties it reported. */
  scannerSubmissions(): readonly ScannerSubmission[];
}

/** One upload to api/ce/submit. */
export interface ScannerSubmission {
  readonly ceTaskId: string;
  readonly projectKey: string;
  readonly pullRequest?: string;
  readonly branch?: string;
  readonly revision?: string;
  /** The effective scanner properties the (stand-in) scanner sent; tokens are never among them. */
  readonly properties: Readonly<Record<string, string>>;
}

interface TaskRecord {
  readonly id: string;
  readonly analysisId: string;
  readonly projectKey: string;
  readonly branch?: string;
  readonly pullRequest?: string;
  readonly submittedAt: number;
  readonly processingMs: number;
  readonly outcome: 'SUCCESS' | 'FAILED' | 'CANCELED';
  readonly gateStatus: SonarGateStatus;
  readonly conditions: ReadonlyArray<Required<SonarCondition>>;
  readonly issues: readonly SonarIssue[];
  readonly revision?: string;
  calls: number;
}

const MAX_PAGE_SIZE = 500;
const MAX_RESULTS = 10_000;

const DEFAULT_CONDITIONS: Record<SonarGateStatus, readonly SonarCondition[]> = {
  OK: [
    { metricKey: 'new_coverage', comparator: 'LT', errorThreshold: '80', actualValue: '86.4' },
    { metricKey: 'new_duplicated_lines_density', comparator: 'GT', errorThreshold: '3', actualValue: '0.8' },
  ],
  WARN: [
    { metricKey: 'new_code_smells', comparator: 'GT', errorThreshold: '5', actualValue: '4', status: 'WARN' },
  ],
  ERROR: [
    { metricKey: 'new_coverage', comparator: 'LT', errorThreshold: '80', actualValue: '62.5' },
    { metricKey: 'new_duplicated_lines_density', comparator: 'GT', errorThreshold: '3', actualValue: '0.8' },
  ],
  NONE: [],
};

const SYNTHETIC_FILES = ['src/login/LoginForm.tsx', 'src/api/client.ts', 'src/utils/validate.ts'];
const SYNTHETIC_RULES: ReadonlyArray<Pick<SonarIssue, 'rule' | 'severity' | 'type' | 'message'>> = [
  {
    rule: 'typescript:S1854',
    severity: 'MAJOR',
    type: 'CODE_SMELL',
    message: 'Remove this useless assignment to variable "result".',
  },
  {
    rule: 'typescript:S3776',
    severity: 'CRITICAL',
    type: 'CODE_SMELL',
    message: 'Refactor this function to reduce its Cognitive Complexity from 18 to the 15 allowed.',
  },
  {
    rule: 'typescript:S2259',
    severity: 'MAJOR',
    type: 'BUG',
    message: 'TypeError can be thrown as "user" might be null or undefined here.',
  },
  {
    rule: 'typescript:S5332',
    severity: 'CRITICAL',
    type: 'VULNERABILITY',
    message: 'Using http protocol is insecure. Use https instead.',
  },
];

function conditionStatus(c: SonarCondition): 'OK' | 'WARN' | 'ERROR' {
  if (c.status) return c.status;
  const actual = Number(c.actualValue);
  const threshold = Number(c.errorThreshold);
  const failing = c.comparator === 'LT' ? actual < threshold : actual > threshold;
  return failing ? 'ERROR' : 'OK';
}

/** A 20-character Sonar-style id (task, analysis, issue) derived from a label. */
function sonarId(label: string): string {
  return 'AZ' + createHash('sha1').update(label).digest('base64url').slice(0, 18);
}

export interface SonarDeps {
  readonly credentials: Credentials;
  /** Quality gate of analyses uploaded through api/ce/submit (default OK). */
  readonly submittedGate?: () => SonarGateStatus;
  /** Processing time of those analyses (default 1000 ms). */
  readonly submittedProcessingMs?: () => number;
  /** Base URL of the stand-in, e.g. http://127.0.0.1:PORT/sonar. */
  readonly baseUrl: () => string;
  readonly now?: () => number;
}

export class SonarService implements SonarControls {
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly submissions: ScannerSubmission[] = [];
  private readonly now: () => number;

  constructor(private readonly deps: SonarDeps) {
    this.now = deps.now ?? Date.now;
  }

  submitAnalysis(o: SubmitAnalysisOptions): SubmittedAnalysis {
    const n = this.tasks.size + 1;
    const id = sonarId(`task:${n}:${o.projectKey}`);
    const gate = o.gate ?? { status: 'OK' };
    const conditions = (gate.conditions ?? DEFAULT_CONDITIONS[gate.status]).map((c) => ({
      ...c,
      status: conditionStatus(c),
    }));
    this.tasks.set(id, {
      id,
      analysisId: sonarId(`analysis:${n}:${o.projectKey}`),
      projectKey: o.projectKey,
      branch: o.branch,
      pullRequest: o.pullRequest,
      submittedAt: this.now(),
      processingMs: o.processingMs ?? 1000,
      outcome: o.outcome ?? 'SUCCESS',
      gateStatus: gate.status,
      conditions,
      issues:
        typeof o.issues === 'number' ? syntheticIssues(o.projectKey, id, o.issues) : [...(o.issues ?? [])],
      revision: o.revision,
      calls: 0,
    });
    const base = this.deps.baseUrl();
    const dashboard = new URL(`${base}/dashboard`);
    dashboard.searchParams.set('id', o.projectKey);
    if (o.pullRequest) dashboard.searchParams.set('pullRequest', o.pullRequest);
    else if (o.branch) dashboard.searchParams.set('branch', o.branch);
    const reportTask = [
      `projectKey=${o.projectKey}`,
      `serverUrl=${base}`,
      `serverVersion=${SONAR_SERVER_VERSION}`,
      `dashboardUrl=${dashboard.toString()}`,
      `ceTaskId=${id}`,
      `ceTaskUrl=${base}/api/ce/task?id=${id}`,
      '',
    ].join('\n');
    return { ceTaskId: id, reportTask };
  }

  scannerSubmissions(): readonly ScannerSubmission[] {
    return [...this.submissions];
  }

  /**
   * api/ce/submit as the sandbox's stand-in scanner sends it: a form with projectKey, pullRequest or branch, revision
   * and the effective properties (JSON). SonarQube takes a multipart report here; the sandbox has no report to read.
   */
  private submit(ctx: RequestContext): Reply {
    const body = (typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {}) as Record<
      string,
      unknown
    >;
    const text = (value: unknown): string | undefined =>
      typeof value === 'string' && value !== '' ? value : undefined;
    const projectKey = text(body.projectKey) ?? ctx.query.get('projectKey') ?? undefined;
    if (!projectKey || !/^[\w.:-]{1,400}$/.test(projectKey))
      return sonarError(400, "The 'projectKey' parameter is missing or not a valid project key");
    let properties: Record<string, string> = {};
    try {
      const parsed = JSON.parse(text(body.properties) ?? '{}') as unknown;
      if (typeof parsed === 'object' && parsed !== null)
        properties = Object.fromEntries(
          Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
        );
    } catch {
      return sonarError(400, 'properties is not JSON');
    }
    const pullRequest = text(body.pullRequest);
    const branch = pullRequest ? undefined : text(body.branch);
    const revision = text(body.revision);
    const { ceTaskId } = this.submitAnalysis({
      projectKey,
      pullRequest,
      branch,
      revision,
      processingMs: this.deps.submittedProcessingMs?.() ?? 1000,
      gate: { status: this.deps.submittedGate?.() ?? 'OK' },
    });
    this.submissions.push({ ceTaskId, projectKey, pullRequest, branch, revision, properties });
    return json(200, { taskId: ceTaskId, projectId: projectKey });
  }

  ceTaskCalls(taskId: string): number {
    return this.tasks.get(taskId)?.calls ?? 0;
  }

  completedAt(taskId: string): number | undefined {
    const task = this.tasks.get(taskId);
    if (!task) return undefined;
    const at = task.submittedAt + task.processingMs;
    return this.now() >= at ? at : undefined;
  }

  /** Every task with its current status, for the state dump of the control endpoint. */
  summary(): Array<{ id: string; projectKey: string; status: SonarTaskStatus; calls: number }> {
    return [...this.tasks.values()].map((t) => ({
      id: t.id,
      projectKey: t.projectKey,
      status: this.status(t),
      calls: t.calls,
    }));
  }

  routes(): Route[] {
    const S = '/sonar/api';
    return [
      route('GET', `${S}/server/version`, () => ({
        status: 200,
        text: SONAR_SERVER_VERSION,
        contentType: 'text/plain',
      })),
      route('GET', `${S}/system/status`, () =>
        json(200, { id: 'sandbox-sonarqube', version: SONAR_SERVER_VERSION, status: 'UP' }),
      ),
      route('GET', `${S}/authentication/validate`, (ctx) =>
        json(200, { valid: this.deps.credentials.isSonarAuthorized(headerValue(ctx.headers.authorization)) }),
      ),
      route(
        'GET',
        `${S}/ce/task`,
        this.authorized((ctx) => this.ceTask(ctx)),
      ),
      route(
        'GET',
        `${S}/qualitygates/project_status`,
        this.authorized((ctx) => this.projectStatus(ctx)),
      ),
      route(
        'GET',
        `${S}/issues/search`,
        this.authorized((ctx) => this.searchIssues(ctx)),
      ),
      route(
        'GET',
        `${S}/project_analyses/search`,
        this.authorized((ctx) => this.searchAnalyses(ctx)),
      ),
      route(
        'POST',
        `${S}/ce/submit`,
        this.authorized((ctx) => this.submit(ctx)),
      ),
      route('GET', '/sonar/dashboard', (ctx) => this.dashboard(ctx)),
    ];
  }

  /** SonarQube answers 401 with an empty body without a valid token. */
  private authorized(handler: Handler): Handler {
    return (ctx) =>
      this.deps.credentials.isSonarAuthorized(headerValue(ctx.headers.authorization))
        ? handler(ctx)
        : { status: 401, text: '' };
  }

  private status(task: TaskRecord): SonarTaskStatus {
    const elapsed = this.now() - task.submittedAt;
    if (elapsed >= task.processingMs) return task.outcome;
    return elapsed >= task.processingMs / 4 ? 'IN_PROGRESS' : 'PENDING';
  }

  private ceTask(ctx: RequestContext): Reply {
    const id = ctx.query.get('id');
    if (!id) return sonarError(400, "The 'id' parameter is missing");
    const task = this.tasks.get(id);
    if (!task) return sonarError(404, `No activity found for task '${id}'`);
    task.calls += 1;
    const status = this.status(task);
    const started = task.submittedAt + task.processingMs / 4;
    const final = status !== 'PENDING' && status !== 'IN_PROGRESS';
    return json(200, {
      task: {
        id: task.id,
        type: 'REPORT',
        componentId: sonarId(`component:${task.projectKey}`),
        componentKey: task.projectKey,
        componentName: task.projectKey,
        componentQualifier: 'TRK',
        ...(task.branch ? { branch: task.branch, branchType: 'BRANCH' } : {}),
        ...(task.pullRequest ? { pullRequest: task.pullRequest } : {}),
        status,
        submittedAt: sonarTime(task.submittedAt),
        submitterLogin: 'ci-scanner',
        ...(status !== 'PENDING' ? { startedAt: sonarTime(started) } : {}),
        ...(final
          ? {
              executedAt: sonarTime(task.submittedAt + task.processingMs),
              executionTimeMs: Math.round(task.processingMs * 0.75),
            }
          : {}),
        ...(status === 'SUCCESS' ? { analysisId: task.analysisId } : {}),
        ...(status === 'FAILED'
          ? {
              errorMessage: 'Error while processing the analysis report (failure simulated by the sandbox).',
              hasErrorStacktrace: true,
            }
          : {}),
        logs: false,
        hasScannerContext: true,
        warningCount: 0,
        warnings: [],
      },
    });
  }

  /** The successful analyses of a project on a branch or pull request (main branch when neither is given), oldest first. */
  private analyses(projectKey: string, branch: string | null, pullRequest: string | null): TaskRecord[] {
    return [...this.tasks.values()].filter(
      (t) =>
        t.projectKey === projectKey &&
        (t.pullRequest ?? null) === pullRequest &&
        (pullRequest !== null || (t.branch ?? null) === branch) &&
        this.status(t) === 'SUCCESS',
    );
  }

  /** The latest successful analysis of a project on a branch or pull request (main branch when neither is given). */
  private latest(
    projectKey: string,
    branch: string | null,
    pullRequest: string | null,
  ): TaskRecord | undefined {
    return this.analyses(projectKey, branch, pullRequest).pop();
  }

  private projectStatus(ctx: RequestContext): Reply {
    const analysisId = ctx.query.get('analysisId');
    const projectKey = ctx.query.get('projectKey');
    let task: TaskRecord | undefined;
    if (analysisId) {
      task = [...this.tasks.values()].find(
        (t) => t.analysisId === analysisId && this.status(t) === 'SUCCESS',
      );
      if (!task) return sonarError(404, `Analysis with id '${analysisId}' is not found`);
    } else if (projectKey) {
      if (![...this.tasks.values()].some((t) => t.projectKey === projectKey))
        return sonarError(404, `Project '${projectKey}' not found`);
      task = this.latest(projectKey, ctx.query.get('branch'), ctx.query.get('pullRequest'));
      if (!task)
        return json(200, { projectStatus: { status: 'NONE', conditions: [], ignoredConditions: false } });
    } else {
      return sonarError(400, "Either 'analysisId', 'projectId' or 'projectKey' must be provided");
    }
    return json(200, {
      projectStatus: {
        status: task.gateStatus,
        conditions: task.conditions.map((c) => ({
          status: c.status,
          metricKey: c.metricKey,
          comparator: c.comparator,
          errorThreshold: c.errorThreshold,
          actualValue: c.actualValue,
        })),
        ignoredConditions: false,
        ...(task.pullRequest
          ? {}
          : { period: { mode: 'PREVIOUS_VERSION', date: sonarTime(task.submittedAt - 86_400_000 * 7) } }),
        caycStatus: 'compliant',
      },
    });
  }

  /**
   * api/project_analyses/search: the processed analyses of a project's branch or pull request (main branch when
   * neither is given), newest first, each with the `revision` the scanner sent.
   */
  private searchAnalyses(ctx: RequestContext): Reply {
    const project = ctx.query.get('project');
    if (!project) return sonarError(400, "The 'project' parameter is missing");
    const p = Number(ctx.query.get('p') ?? '1');
    const ps = Number(ctx.query.get('ps') ?? '100');
    if (!Number.isInteger(p) || p < 1 || !Number.isInteger(ps) || ps < 1 || ps > MAX_PAGE_SIZE)
      return sonarError(400, `'ps' value (${ps}) must be between 1 and ${MAX_PAGE_SIZE}`);
    if (![...this.tasks.values()].some((t) => t.projectKey === project))
      return sonarError(404, `Component key '${project}' not found`);
    const analyses = this.analyses(project, ctx.query.get('branch'), ctx.query.get('pullRequest')).reverse();
    return json(200, {
      paging: { pageIndex: p, pageSize: ps, total: analyses.length },
      analyses: analyses.slice((p - 1) * ps, p * ps).map((t) => ({
        key: t.analysisId,
        date: sonarTime(t.submittedAt + t.processingMs),
        ...(t.revision ? { revision: t.revision } : {}),
        manualNewCodePeriodBaseline: false,
        events: [],
      })),
    });
  }

  private searchIssues(ctx: RequestContext): Reply {
    const p = Number(ctx.query.get('p') ?? '1');
    const ps = Number(ctx.query.get('ps') ?? '100');
    if (!Number.isInteger(p) || p < 1)
      return sonarError(400, `'p' value (${ctx.query.get('p')}) must be greater than 0`);
    if (!Number.isInteger(ps) || ps < 1)
      return sonarError(400, `'ps' value (${ctx.query.get('ps')}) must be greater than 0`);
    if (ps > MAX_PAGE_SIZE) return sonarError(400, `'ps' value (${ps}) must be less than ${MAX_PAGE_SIZE}`);
    if (p * ps > MAX_RESULTS)
      return sonarError(400, `Can return only the first ${MAX_RESULTS} results. ${p * ps}th result asked.`);
    const projectKey = (
      ctx.query.get('componentKeys') ??
      ctx.query.get('components') ??
      ctx.query.get('projects')
    )?.split(',')[0];
    const pullRequest = ctx.query.get('pullRequest');
    const branch = ctx.query.get('branch');
    let issues: Array<{ issue: SonarIssue; task: TaskRecord }> = [];
    if (projectKey) {
      if (![...this.tasks.values()].some((t) => t.projectKey === projectKey))
        return sonarError(404, `Component key '${projectKey}' not found`);
      const task = this.latest(projectKey, branch, pullRequest);
      if (!task && pullRequest)
        return sonarError(404, `Component '${projectKey}' on pull request '${pullRequest}' not found`);
      if (!task && branch)
        return sonarError(404, `Component '${projectKey}' on branch '${branch}' not found`);
      issues = (task?.issues ?? []).map((issue) => ({ issue, task: task as TaskRecord }));
    }
    if (ctx.query.get('resolved') === 'true') issues = [];
    const severities = ctx.query.get('severities')?.split(',');
    const types = ctx.query.get('types')?.split(',');
    issues = issues.filter(
      ({ issue }) =>
        (!severities || severities.includes(issue.severity)) && (!types || types.includes(issue.type)),
    );
    const page = issues.slice((p - 1) * ps, p * ps);
    const files = [...new Set(page.map(({ issue }) => issue.component))];
    return json(200, {
      total: issues.length,
      p,
      ps,
      paging: { pageIndex: p, pageSize: ps, total: issues.length },
      effortTotal: issues.length * 5,
      issues: page.map(({ issue, task }) => ({
        key: issue.key,
        rule: issue.rule,
        severity: issue.severity,
        component: issue.component,
        project: task.projectKey,
        ...(issue.line !== undefined ? { line: issue.line, hash: sonarId(`hash:${issue.key}`) } : {}),
        ...(issue.textRange ? { textRange: issue.textRange } : {}),
        flows: [],
        status: 'OPEN',
        message: issue.message,
        effort: '5min',
        debt: '5min',
        tags: [],
        creationDate: sonarTime(task.submittedAt),
        updateDate: sonarTime(task.submittedAt),
        type: issue.type,
        scope: 'MAIN',
        ...(task.pullRequest
          ? { pullRequest: task.pullRequest }
          : task.branch
            ? { branch: task.branch }
            : {}),
      })),
      components: files.map((key) => ({
        key,
        enabled: true,
        qualifier: 'FIL',
        name: key.split('/').pop(),
        longName: key.split(':').slice(1).join(':'),
        path: key.split(':').slice(1).join(':'),
      })),
      facets: [],
    });
  }

  private dashboard(ctx: RequestContext): Reply {
    const id = ctx.query.get('id') ?? '';
    const task = this.latest(id, ctx.query.get('branch'), ctx.query.get('pullRequest'));
    const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const rows = (task?.conditions ?? [])
      .map(
        (c) =>
          `<tr><td>${escape(c.metricKey)}</td><td>${c.comparator} ${escape(c.errorThreshold)}</td><td>${escape(c.actualValue)}</td><td>${c.status}</td></tr>`,
      )
      .join('');
    const gate = task
      ? task.gateStatus
      : ctx.query.get('pullRequest') || ctx.query.get('branch')
        ? 'simulated by the central pipeline'
        : 'no analysis';
    return {
      status: 200,
      contentType: 'text/html; charset=utf-8',
      text: `<!doctype html><html><head><title>${escape(id)} - SonarQube (sandbox)</title></head><body><h1>${escape(id)}</h1><p>Quality gate: ${escape(gate)}</p><table>${rows}</table></body></html>`,
    };
  }
}

function syntheticIssues(projectKey: string, taskId: string, count: number): SonarIssue[] {
  return Array.from({ length: count }, (_, i) => {
    // Both lists are non-empty constants, so an index modulo their length is always in range.
    const rule = SYNTHETIC_RULES[i % SYNTHETIC_RULES.length]!;
    const line = 10 + ((i * 7) % 120);
    return {
      key: sonarId(`issue:${taskId}:${i}`),
      ...rule,
      component: `${projectKey}:${SYNTHETIC_FILES[i % SYNTHETIC_FILES.length]!}`,
      line,
      textRange: { startLine: line, endLine: line, startOffset: 4, endOffset: 24 },
    };
  });
}
