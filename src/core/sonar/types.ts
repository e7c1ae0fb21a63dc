// Shapes of the SonarQube Web API answers Crosscheck reads: CE tasks, quality gate status, issues.

/** `api/ce/task` → `task`. `analysisId` is only there once the task succeeded. */
export interface CeTask {
  id: string;
  type?: string;
  componentKey?: string;
  status: CeTaskStatus;
  analysisId?: string;
  errorMessage?: string;
  branch?: string;
  branchType?: string;
  pullRequest?: string;
  submittedAt?: string;
  startedAt?: string;
  executedAt?: string;
  executionTimeMs?: number;
}

export type CeTaskStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCESS' | 'FAILED' | 'CANCELED';

export type GateStatus = 'OK' | 'WARN' | 'ERROR' | 'NONE';

/** One condition of `api/qualitygates/project_status` → `projectStatus.conditions`. */
export interface GateCondition {
  status: GateStatus;
  metricKey: string;
  comparator?: 'GT' | 'LT' | 'EQ' | 'NE';
  periodIndex?: number;
  errorThreshold?: string;
  warningThreshold?: string;
  actualValue?: string;
}

export interface ProjectStatus {
  status: GateStatus;
  conditions?: GateCondition[];
  ignoredConditions?: boolean;
}

/** `api/issues/search` → `issues[]`, the fields Crosscheck uses. */
export interface SonarIssue {
  key: string;
  rule?: string;
  severity?: 'BLOCKER' | 'CRITICAL' | 'MAJOR' | 'MINOR' | 'INFO';
  component?: string;
  project?: string;
  line?: number;
  message?: string;
  type?: 'BUG' | 'VULNERABILITY' | 'CODE_SMELL' | 'SECURITY_HOTSPOT';
  status?: string;
  /** SonarQube 10.2+: software qualities and their severities. */
  impacts?: Array<{ softwareQuality?: string; severity?: string }>;
}

export interface IssuesPage {
  total?: number;
  paging?: { pageIndex: number; pageSize: number; total: number };
  issues: SonarIssue[];
}

/** `api/project_analyses/search` → `analyses[]`: `revision` is the analysed commit, when the scanner sent it. */
export interface ProjectAnalysis {
  key: string;
  date?: string;
  revision?: string;
}
