// Shapes of the Bitbucket Cloud REST API 2.0 objects Crosscheck reads and writes (from Atlassian's OpenAPI document).
import type { BuildState } from '../validation';

export interface Link {
  href: string;
}

/** `paginated_*` responses: one page of values and the absolute URL of the next page, if any. */
export interface Page<T> {
  values: T[];
  next?: string;
  page?: number;
  pagelen?: number;
  size?: number;
}

/** `commitstatus` (type "build"). */
export interface CommitStatus {
  type?: string;
  uuid?: string;
  key: string;
  refname?: string | null;
  url: string;
  state: BuildState;
  name?: string | null;
  description?: string | null;
  created_on?: string;
  updated_on?: string;
  links?: { self?: Link; commit?: Link };
}

/** What Crosscheck posts to create or overwrite a build status. */
export interface BuildStatusInput {
  key: string;
  state: BuildState;
  url: string;
  name?: string;
  description?: string;
  refname?: string;
}

export interface Repository {
  full_name: string;
  name?: string;
  is_private?: boolean;
  mainbranch?: { name: string };
  links?: { html?: Link };
}

export interface PullRequestEndpoint {
  branch: { name: string };
  commit?: { hash: string };
  repository?: { full_name: string };
}

export interface PullRequest {
  id: number;
  title: string;
  state: 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';
  source: PullRequestEndpoint;
  destination: PullRequestEndpoint;
  author?: { display_name?: string };
  links?: { html?: Link };
  updated_on?: string;
}

export interface Account {
  display_name?: string;
  username?: string;
  account_id?: string;
  uuid?: string;
}

export type PipelineStateName = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'PAUSED' | 'HALTED' | 'BUILDING';

export interface Pipeline {
  uuid: string;
  build_number: number;
  state?: {
    /** One of PipelineStateName, or a state newer than this client. */
    name: string;
    result?: { name: string };
    stage?: { name: string };
  };
  target?: { ref_name?: string; selector?: { type?: string; pattern?: string } };
  created_on?: string;
  completed_on?: string;
  links?: { self?: Link; html?: Link };
}

export interface PipelineVariable {
  key: string;
  value: string;
  secured?: boolean;
}

export type ReportResult = 'PASSED' | 'FAILED' | 'PENDING';

export interface ReportDataField {
  title: string;
  type: 'BOOLEAN' | 'DATE' | 'DURATION' | 'LINK' | 'NUMBER' | 'PERCENTAGE' | 'TEXT';
  value: unknown;
}

export interface ReportInput {
  title: string;
  details: string;
  report_type: 'SECURITY' | 'COVERAGE' | 'TEST' | 'BUG';
  reporter?: string;
  link?: string;
  result?: ReportResult;
  data?: ReportDataField[];
}

export interface AnnotationInput {
  external_id: string;
  annotation_type: 'VULNERABILITY' | 'CODE_SMELL' | 'BUG';
  summary: string;
  details?: string;
  path?: string;
  line?: number;
  severity?: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
  result?: 'PASSED' | 'FAILED' | 'SKIPPED' | 'IGNORED';
  link?: string;
}

/** `report` as Bitbucket returns it (Code Insights), with the fields Crosscheck reads. */
export interface Report {
  uuid: string;
  external_id?: string;
  title: string;
  details?: string;
  report_type?: string;
  reporter?: string;
  link?: string;
  result?: string;
  data?: ReportDataField[];
  created_on?: string;
  updated_on?: string;
}

/** `report_annotation` as Bitbucket returns it. */
export interface Annotation {
  uuid?: string;
  external_id?: string;
  annotation_type?: string;
  path?: string;
  line?: number;
  summary: string;
  details?: string;
  result?: string;
  severity?: string;
  link?: string;
  created_on?: string;
  updated_on?: string;
}

/** `pipeline_step`: one step of a run, with its state (PENDING, READY, IN_PROGRESS, COMPLETED…). */
export interface PipelineStep {
  uuid: string;
  name?: string;
  state?: { name: string; result?: { name: string } };
  started_on?: string;
  completed_on?: string;
}
