// SonarQube Web API calls Crosscheck makes: the CE task of an analysis, its quality gate status, its open issues.
import { CrosscheckError } from '../errors';
import type { HttpClient, HttpResponse } from '../http/client';
import type { CeTask, IssuesPage, ProjectStatus, SonarIssue } from './types';

/** Largest page api/issues/search serves. */
export const ISSUES_PAGE_SIZE = 500;

/** Which analysed code the issues belong to: a pull request or a branch (neither: the main branch). */
export interface IssueScope {
  projectKey: string;
  pullRequest?: string;
  branch?: string;
}

export class SonarApi {
  constructor(private readonly http: HttpClient) {}

  async getCeTask(id: string): Promise<CeTask> {
    const response = await this.http.request({
      method: 'GET',
      path: 'api/ce/task',
      query: { id },
      resource: `analysis task ${id}`,
    });
    return field<CeTask>(response, 'task', `analysis task ${id}`);
  }

  /** The gate of one analysis: ask only with the analysisId of a successful task. */
  async getProjectStatus(analysisId: string): Promise<ProjectStatus> {
    const response = await this.http.request({
      method: 'GET',
      path: 'api/qualitygates/project_status',
      query: { analysisId },
      resource: `quality gate status of analysis ${analysisId}`,
    });
    return field<ProjectStatus>(response, 'projectStatus', `the quality gate of analysis ${analysisId}`);
  }

  /** One page (from 1) of the unresolved issues in scope, most severe first. */
  async searchIssues(scope: IssueScope, page: number, pageSize = ISSUES_PAGE_SIZE): Promise<IssuesPage> {
    const response = await this.http.request({
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
      resource: `open issues of ${scope.projectKey}${scope.pullRequest ? ` pull request ${scope.pullRequest}` : scope.branch ? ` branch ${scope.branch}` : ''}`,
    });
    return {
      ...(response.body as IssuesPage),
      issues: field<SonarIssue[]>(response, 'issues', `the issues of ${scope.projectKey}`),
    };
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

/**
 * The named field of a JSON answer. A redirect (the client never follows one with the token) or a proxy's page
 * answers without it; say so rather than fail later.
 */
function field<T>(response: HttpResponse<unknown>, name: string, what: string): T {
  const body = response.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (value !== undefined && value !== null) return value as T;
  const redirected = response.status >= 300 && response.status < 400;
  throw new CrosscheckError(
    `SonarQube's answer about ${what} has no "${name}" (HTTP ${response.status}${redirected ? `, redirect to ${response.headers.get('location') ?? 'elsewhere'}` : ''}).`,
    redirected
      ? 'SONAR_HOST_URL is redirected; set it to the address it redirects to (often https://…), as the token is never sent on.'
      : 'Check that SONAR_HOST_URL is the SonarQube server itself, not a proxy or a login page.',
  );
}
