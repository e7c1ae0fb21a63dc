// SonarQube Web API calls Crosscheck makes: the CE task of an analysis, its quality gate, its revision, its issues.
import type { HttpClient } from '../http/client';
import { SHAPES } from './shapes';
import type { CeTask, IssuesPage, ProjectAnalysis, ProjectStatus, SonarIssue } from './types';

/** Largest page api/issues/search serves. */
export const ISSUES_PAGE_SIZE = 500;

/** Analyses of one branch or pull request looked through for an analysis id (the newest come first). */
const ANALYSES_PAGE_SIZE = 100;

/** Which analysed code the issues belong to: a pull request or a branch (neither: the main branch). */
export interface IssueScope {
  projectKey: string;
  pullRequest?: string;
  branch?: string;
}

export class SonarApi {
  constructor(private readonly http: HttpClient) {}

  async getCeTask(id: string): Promise<CeTask> {
    const response = await this.http.request(
      { method: 'GET', path: 'api/ce/task', query: { id }, resource: `analysis task ${id}` },
      SHAPES.ceTask,
    );
    return response.body.task;
  }

  /** The gate of one analysis: ask only with the analysisId of a successful task. */
  async getProjectStatus(analysisId: string): Promise<ProjectStatus> {
    const response = await this.http.request(
      {
        method: 'GET',
        path: 'api/qualitygates/project_status',
        query: { analysisId },
        resource: `quality gate status of analysis ${analysisId}`,
      },
      SHAPES.projectStatus,
    );
    return response.body.projectStatus;
  }

  /**
   * One analysis of the project's branch or pull request, found by id among the newest, with the revision it
   * analysed; undefined when it is not among them.
   */
  async findAnalysis(scope: IssueScope, analysisId: string): Promise<ProjectAnalysis | undefined> {
    const response = await this.http.request(
      {
        method: 'GET',
        path: 'api/project_analyses/search',
        query: {
          project: scope.projectKey,
          pullRequest: scope.pullRequest,
          branch: scope.pullRequest ? undefined : scope.branch,
          ps: ANALYSES_PAGE_SIZE,
        },
        resource: `analyses of ${describeScope(scope)}`,
      },
      SHAPES.analyses,
    );
    return response.body.analyses.find((analysis) => analysis.key === analysisId);
  }

  /** One page (from 1) of the unresolved issues in scope, most severe first. */
  async searchIssues(scope: IssueScope, page: number, pageSize = ISSUES_PAGE_SIZE): Promise<IssuesPage> {
    const response = await this.http.request(
      {
        method: 'GET',
        path: 'api/issues/search',
        query: {
          componentKeys: scope.projectKey,
          pullRequest: scope.pullRequest,
          branch: scope.pullRequest ? undefined : scope.branch,
          resolved: 'false',
          s: 'SEVERITY',
          asc: 'false',
          p: page,
          ps: pageSize,
        },
        resource: `open issues of ${describeScope(scope)}`,
      },
      SHAPES.issues,
    );
    return response.body;
  }

  /** Open issues in scope, page after page, until `limit` are gathered; `total` is how many the server counts. */
  async listOpenIssues(scope: IssueScope, limit: number): Promise<{ issues: SonarIssue[]; total: number }> {
    const issues: SonarIssue[] = [];
    let total = 0;
    // The page size stays the same throughout: the server counts pages of that size.
    const pageSize = Math.min(ISSUES_PAGE_SIZE, limit);
    for (let page = 1; issues.length < limit; page++) {
      const result = await this.searchIssues(scope, page, pageSize);
      total = result.paging?.total ?? result.total ?? 0;
      issues.push(...result.issues);
      if (result.issues.length < pageSize || page * pageSize >= total) break;
    }
    return { issues: issues.slice(0, limit), total: Math.max(total, issues.length) };
  }
}

function describeScope(scope: IssueScope): string {
  if (scope.pullRequest) return `${scope.projectKey} pull request ${scope.pullRequest}`;
  return scope.branch ? `${scope.projectKey} branch ${scope.branch}` : scope.projectKey;
}
