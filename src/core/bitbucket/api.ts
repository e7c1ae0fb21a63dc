// Bitbucket Cloud REST API 2.0 calls Crosscheck makes: repositories, build statuses, pull requests, pipelines, reports.
import { type HttpClient, type RequestSpec, resolveAgainst } from '../http/client';
import type { Expect } from '../http/shape';
import { formatRepository, type RepositoryRef } from '../validation';
import { ApiError, NetworkError } from '../errors';
import { SCOPES } from './scopes';
import { SHAPES } from './shapes';
import { describeOwnership, statusOwnership } from './status-owner';
import type {
  Account,
  Annotation,
  AnnotationInput,
  BuildStatusInput,
  CommitStatus,
  Page,
  Pipeline,
  PipelineStep,
  PipelineVariable,
  PullRequest,
  Report,
  ReportInput,
  Repository,
} from './types';

/** Bitbucket accepts 1–100 annotations per request and 1,000 per report. */
export const ANNOTATIONS_PER_REQUEST = 100;
export const ANNOTATIONS_PER_REPORT = 1000;

/** Pages followed at most when listing, so a server that loops cannot keep us forever. */
const MAX_PAGES = 50;

/** A step log read from a byte offset: the new bytes, and where the next read starts. */
export interface StepLogChunk {
  bytes: Buffer;
  /** The offset to ask for next (`from` + the bytes read). */
  next: number;
  /** The log's total length when the server said it (Content-Range), else undefined. */
  total?: number;
}

export interface TriggerPipelineInput {
  branch: string;
  /** The custom pipeline's name under `pipelines: custom:` in bitbucket-pipelines.yml. */
  pattern: string;
  variables: PipelineVariable[];
}

export class BitbucketApi {
  constructor(private readonly http: HttpClient) {}

  async getRepository(repo: RepositoryRef): Promise<Repository> {
    return this.get(repoPath(repo), SHAPES.repository, {
      resource: `repository ${formatRepository(repo)}`,
      scopes: SCOPES.repository,
    });
  }

  async getCommit(
    repo: RepositoryRef,
    commit: string,
  ): Promise<{ hash: string; parents?: Array<{ hash: string }> }> {
    return this.get(`${repoPath(repo)}/commit/${commit}`, SHAPES.commit, {
      resource: commitResource(repo, commit),
      scopes: SCOPES.repository,
    });
  }

  /**
   * Creates the status, or overwrites the one with the same key on that commit. When Bitbucket refuses (403: only the
   * status's creator or an admin may overwrite it), the existing status is read to say who owns it and since when.
   */
  async setBuildStatus(repo: RepositoryRef, commit: string, status: BuildStatusInput): Promise<CommitStatus> {
    try {
      return await this.postBuildStatus(repo, commit, status);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 403) throw error;
      throw await this.explainRefusedWrite(error, repo, commit, status.key);
    }
  }

  private async explainRefusedWrite(
    error: ApiError,
    repo: RepositoryRef,
    commit: string,
    key: string,
  ): Promise<ApiError> {
    let existing: CommitStatus;
    try {
      existing = await this.getBuildStatus(repo, commit, key);
    } catch {
      return error;
    }
    const owner = this.http.redact(describeOwnership(statusOwnership(existing)));
    return new ApiError(
      error.message,
      error.status,
      error.request,
      `${error.diagnosis} The status "${key}" already on this commit was ${owner}.`,
      error.body,
      error.hint,
      { cause: error },
    );
  }

  private async postBuildStatus(
    repo: RepositoryRef,
    commit: string,
    status: BuildStatusInput,
  ): Promise<CommitStatus> {
    const response = await this.http.request(
      {
        method: 'POST',
        path: buildStatusesPath(repo, commit),
        json: status,
        // Posting the same key again overwrites it, so a retry cannot leave a second status behind.
        idempotent: true,
        resource: commitResource(repo, commit),
        scopes: SCOPES.repository,
      },
      SHAPES.commitStatus,
    );
    return response.body;
  }

  async getBuildStatus(repo: RepositoryRef, commit: string, key: string): Promise<CommitStatus> {
    return this.get(
      `${repoPath(repo)}/commit/${commit}/statuses/build/${encodeURIComponent(key)}`,
      SHAPES.commitStatus,
      {
        resource: `status "${key}" on ${commitResource(repo, commit)}`,
        scopes: SCOPES.repository,
      },
    );
  }

  async listCommitStatuses(repo: RepositoryRef, commit: string): Promise<CommitStatus[]> {
    return this.all(`${repoPath(repo)}/commit/${commit}/statuses`, SHAPES.statusPage, {
      resource: commitResource(repo, commit),
      scopes: SCOPES.repository,
    });
  }

  async listPullRequestStatuses(repo: RepositoryRef, id: number): Promise<CommitStatus[]> {
    return this.all(`${repoPath(repo)}/pullrequests/${id}/statuses`, SHAPES.statusPage, {
      resource: `pull request #${id} in ${formatRepository(repo)}`,
      scopes: SCOPES.pullRequest,
    });
  }

  async getPullRequest(repo: RepositoryRef, id: number): Promise<PullRequest> {
    return this.get(`${repoPath(repo)}/pullrequests/${id}`, SHAPES.pullRequest, {
      resource: `pull request #${id} in ${formatRepository(repo)}`,
      scopes: SCOPES.pullRequest,
    });
  }

  /** The open pull request whose source is `branch`, if there is one (the most recently updated if several). */
  async findOpenPullRequest(repo: RepositoryRef, branch: string): Promise<PullRequest | undefined> {
    const page = await this.get(`${repoPath(repo)}/pullrequests`, SHAPES.pullRequestPage, {
      query: {
        q: `source.branch.name = ${JSON.stringify(branch)} AND state = "OPEN"`,
        sort: '-updated_on',
        pagelen: 1,
      },
      resource: `open pull requests from ${branch} in ${formatRepository(repo)}`,
      scopes: SCOPES.pullRequest,
    });
    return page.values[0];
  }

  /**
   * The open pull requests whose source is `branch`, most recently updated first (one page: a branch rarely has more
   * than a few). A status on the branch's head counts for every one of them.
   */
  async listOpenPullRequestsFrom(repo: RepositoryRef, branch: string, pagelen = 10): Promise<PullRequest[]> {
    const page = await this.get(`${repoPath(repo)}/pullrequests`, SHAPES.pullRequestPage, {
      query: {
        q: `source.branch.name = ${JSON.stringify(branch)} AND state = "OPEN"`,
        sort: '-updated_on',
        pagelen,
      },
      resource: `open pull requests from ${branch} in ${formatRepository(repo)}`,
      scopes: SCOPES.pullRequest,
    });
    return page.values;
  }

  /** One page of the most recently updated open pull requests (used to probe access). */
  async listOpenPullRequests(repo: RepositoryRef, pagelen = 10): Promise<PullRequest[]> {
    const page = await this.get(`${repoPath(repo)}/pullrequests`, SHAPES.pullRequestPage, {
      query: { state: 'OPEN', sort: '-updated_on', pagelen },
      resource: `pull requests of ${formatRepository(repo)}`,
      scopes: SCOPES.pullRequest,
    });
    return page.values;
  }

  async getCurrentUser(): Promise<Account> {
    return this.get('/user', SHAPES.account, { resource: 'the current user', scopes: SCOPES.user });
  }

  async triggerPipeline(repo: RepositoryRef, input: TriggerPipelineInput): Promise<Pipeline> {
    const response = await this.http.request(
      {
        method: 'POST',
        path: `${repoPath(repo)}/pipelines/`,
        json: {
          target: {
            type: 'pipeline_ref_target',
            ref_type: 'branch',
            ref_name: input.branch,
            selector: { type: 'custom', pattern: input.pattern },
          },
          variables: input.variables,
        },
        // A second POST would start a second run: only retried when Bitbucket certainly did not take the first.
        idempotent: false,
        resource: `custom pipeline "${input.pattern}" on ${input.branch} in ${formatRepository(repo)}`,
        scopes: SCOPES.pipelineWrite,
      },
      SHAPES.pipeline,
    );
    return response.body;
  }

  async getPipeline(repo: RepositoryRef, uuid: string): Promise<Pipeline> {
    return this.get(`${repoPath(repo)}/pipelines/${encodeURIComponent(uuid)}`, SHAPES.pipeline, {
      resource: `pipeline ${uuid} in ${formatRepository(repo)}`,
      scopes: SCOPES.pipelineRead,
    });
  }

  /** The newest pipeline runs of a repository, newest first. */
  async listRecentPipelines(repo: RepositoryRef, pagelen = 10): Promise<Pipeline[]> {
    const page = await this.get(`${repoPath(repo)}/pipelines/`, SHAPES.pipelinePage, {
      query: { sort: '-created_on', pagelen },
      resource: `pipelines of ${formatRepository(repo)}`,
      scopes: SCOPES.pipelineRead,
    });
    return page.values;
  }

  async putReport(repo: RepositoryRef, commit: string, reportId: string, report: ReportInput): Promise<void> {
    await this.http.request(
      {
        method: 'PUT',
        path: `${repoPath(repo)}/commit/${commit}/reports/${encodeURIComponent(reportId)}`,
        json: report,
        resource: `report "${reportId}" on ${commitResource(repo, commit)}`,
        scopes: SCOPES.repository,
      },
      SHAPES.report,
    );
  }

  /** Posts annotations 100 per request; returns how many were sent (at most 1,000, Bitbucket's limit per report). */
  async postAnnotations(
    repo: RepositoryRef,
    commit: string,
    reportId: string,
    annotations: AnnotationInput[],
  ): Promise<number> {
    const kept = annotations.slice(0, ANNOTATIONS_PER_REPORT);
    for (let start = 0; start < kept.length; start += ANNOTATIONS_PER_REQUEST) {
      await this.http.request(
        {
          method: 'POST',
          path: `${repoPath(repo)}/commit/${commit}/reports/${encodeURIComponent(reportId)}/annotations`,
          json: kept.slice(start, start + ANNOTATIONS_PER_REQUEST),
          // Annotations carry external ids, so sending a batch again updates rather than duplicates.
          idempotent: true,
          resource: `annotations of report "${reportId}" on ${commitResource(repo, commit)}`,
          scopes: SCOPES.repository,
        },
        SHAPES.annotations,
      );
    }
    return kept.length;
  }

  /** Every Code Insights report on a commit (a page of 100 holds them all in practice; `next` is followed). */
  async listReports(repo: RepositoryRef, commit: string): Promise<Report[]> {
    return this.all(`${repoPath(repo)}/commit/${commit}/reports`, SHAPES.reportPage, {
      resource: `reports on ${commitResource(repo, commit)}`,
      scopes: SCOPES.repository,
    });
  }

  async getReport(repo: RepositoryRef, commit: string, reportId: string): Promise<Report> {
    return this.get(reportPath(repo, commit, reportId), SHAPES.reportRead, {
      resource: `report "${reportId}" on ${commitResource(repo, commit)}`,
      scopes: SCOPES.repository,
    });
  }

  /** Every annotation of a report, page by page (100 per page; Bitbucket keeps at most 1,000 per report). */
  async listAnnotations(repo: RepositoryRef, commit: string, reportId: string): Promise<Annotation[]> {
    const values = await this.all(
      `${reportPath(repo, commit, reportId)}/annotations`,
      SHAPES.annotationPage,
      {
        resource: `annotations of report "${reportId}" on ${commitResource(repo, commit)}`,
        scopes: SCOPES.repository,
      },
    );
    return values.slice(0, ANNOTATIONS_PER_REPORT);
  }

  /** The steps of a pipeline run, in order. */
  async listPipelineSteps(repo: RepositoryRef, pipelineUuid: string): Promise<PipelineStep[]> {
    return this.all(`${pipelinePath(repo, pipelineUuid)}/steps`, SHAPES.stepPage, {
      resource: `steps of pipeline ${pipelineUuid} in ${formatRepository(repo)}`,
      scopes: SCOPES.pipelineRead,
    });
  }

  /**
   * A step's log from byte `from` on (HTTP Range). Nothing new (416) gives no bytes; a server that ignores the Range
   * (200) is cut to what is new. Once a step completes Bitbucket may redirect to long-term storage: that address is
   * read without credentials, and only over HTTPS (or on the API's own origin).
   */
  async readStepLog(
    repo: RepositoryRef,
    pipelineUuid: string,
    stepUuid: string,
    from: number,
  ): Promise<StepLogChunk> {
    const spec = {
      method: 'GET' as const,
      range: `bytes=${from}-`,
      bytes: true,
      resource: `the log of step ${stepUuid} of pipeline ${pipelineUuid} in ${formatRepository(repo)}`,
      scopes: SCOPES.pipelineRead,
    };
    try {
      let response = await this.http.request<Buffer>({
        ...spec,
        path: `${pipelinePath(repo, pipelineUuid)}/steps/${encodeURIComponent(stepUuid)}/log`,
        returnRedirect: true,
      });
      if (response.status >= 300 && response.status < 400) {
        const target = storageLocation(response.headers.get('location'), this.http.baseUrl);
        response = await this.http.request<Buffer>({
          ...spec,
          path: target,
          auth: 'none',
          allowOtherOrigin: true,
        });
      }
      return logChunk(response.status, response.body, response.headers.get('content-range'), from);
    } catch (error) {
      // 416: nothing past `from` yet.
      if (error instanceof ApiError && error.status === 416) return { bytes: Buffer.alloc(0), next: from };
      throw error;
    }
  }

  /** Stops a running pipeline (Bitbucket answers 204). */
  async stopPipeline(repo: RepositoryRef, pipelineUuid: string): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `${pipelinePath(repo, pipelineUuid)}/stopPipeline`,
      // Stopping twice stops once.
      idempotent: true,
      resource: `pipeline ${pipelineUuid} in ${formatRepository(repo)}`,
      scopes: SCOPES.pipelineWrite,
    });
  }

  private async get<T>(
    path: string,
    expected: Expect<T>,
    spec: Omit<RequestSpec, 'method' | 'path'>,
  ): Promise<T> {
    return (await this.http.request({ method: 'GET', path, ...spec }, expected)).body;
  }

  /** Follows `next` links (on the same origin only: the client refuses others) and gathers every value. */
  private async all<T>(
    path: string,
    expected: Expect<Page<T>>,
    spec: Omit<RequestSpec, 'method' | 'path'>,
  ): Promise<T[]> {
    const values: T[] = [];
    let page = await this.get(path, expected, { ...spec, query: { pagelen: 100, ...spec.query } });
    values.push(...page.values);
    for (let pages = 1; page.next && pages < MAX_PAGES; pages++) {
      page = await this.get(page.next, expected, { ...spec, query: undefined });
      values.push(...page.values);
    }
    return values;
  }
}

function buildStatusesPath(repo: RepositoryRef, commit: string): string {
  return `${repoPath(repo)}/commit/${commit}/statuses/build`;
}

/** The URL a build status is posted to, encoded as the client sends it (shown by a dry run). */
export function buildStatusPostUrl(apiUrl: string, repo: RepositoryRef, commit: string): string {
  return resolveAgainst(apiUrl, buildStatusesPath(repo, commit)).toString();
}

function reportPath(repo: RepositoryRef, commit: string, reportId: string): string {
  return `${repoPath(repo)}/commit/${commit}/reports/${encodeURIComponent(reportId)}`;
}

function pipelinePath(repo: RepositoryRef, uuid: string): string {
  return `${repoPath(repo)}/pipelines/${encodeURIComponent(uuid)}`;
}

/** Where a completed step's log was moved: HTTPS anywhere, or the API's own origin; anything else is refused. */
function storageLocation(location: string | null, baseUrl: string): string {
  let target: URL | undefined;
  try {
    target = location ? new URL(location, baseUrl) : undefined;
  } catch {
    target = undefined;
  }
  if (!target || (target.protocol !== 'https:' && target.origin !== new URL(baseUrl).origin)) {
    throw new NetworkError(
      `Bitbucket redirected the step log to ${target ? target.origin : 'no usable address'}, which is not HTTPS`,
      { method: 'GET', url: target ? target.origin : '(none)', headers: {} },
      'Step logs are only read from an HTTPS address; open the run in Bitbucket to see its log.',
    );
  }
  return target.toString();
}

/** The new bytes of a Range answer: 206 starts at `from` (or where Content-Range says), a 200 is the whole log. */
function logChunk(status: number, body: Buffer, contentRange: string | null, from: number): StepLogChunk {
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange?.trim() ?? '');
  const total = range && range[3] !== '*' ? Number(range[3]) : undefined;
  if (status === 206) {
    const start = range ? Number(range[1]) : from;
    const fresh = body.subarray(Math.max(0, from - start));
    return { bytes: fresh, next: Math.max(from, start + body.length), total };
  }
  // 200: the server sent the whole log.
  return { bytes: body.subarray(Math.min(from, body.length)), next: Math.max(from, body.length), total };
}

function repoPath(repo: RepositoryRef): string {
  return `/repositories/${encodeURIComponent(repo.workspace)}/${encodeURIComponent(repo.slug)}`;
}

function commitResource(repo: RepositoryRef, commit: string): string {
  return `commit ${commit.slice(0, 12)} in ${formatRepository(repo)}`;
}
