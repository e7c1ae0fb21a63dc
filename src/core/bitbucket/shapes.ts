// What each Bitbucket answer Crosscheck reads must look like before it is believed (the fields Crosscheck uses).
import { arrayOf, type Check, expect, optional, record } from '../http/shape';
import type {
  Account,
  Annotation,
  CommitStatus,
  Page,
  Pipeline,
  PipelineStep,
  PullRequest,
  Report,
  Repository,
} from './types';

const commitStatus = record({ key: 'string', state: 'string', url: 'string?' });
const repository = record({ full_name: 'string', mainbranch: optional(record({ name: 'string' })) });
const pullRequest = record({
  id: 'number',
  title: 'string?',
  source: record({ branch: record({ name: 'string' }) }),
});
// A run always has its number: a page without one would make `#undefined` links and polls of /pipelines/undefined.
const pipeline = record({
  uuid: 'string',
  build_number: 'number',
  state: optional(record({ name: 'string' })),
});

// Reads of Code Insights: what a diagnostic or a gate table is made of must be there, and of the right kind.
const reportRead = record({
  uuid: 'string',
  title: 'string',
  link: 'string?',
  updated_on: 'string?',
  data: optional(arrayOf(record({ title: 'string' }))),
});
const annotationRead = record({ summary: 'string', path: 'string?', line: 'number?', link: 'string?' });
const pipelineStep = record({ uuid: 'string', state: optional(record({ name: 'string' })) });

function page(item: Check): Check {
  return record({ values: arrayOf(item), next: 'string?' });
}

export const SHAPES = {
  commitStatus: expect<CommitStatus>('a build status (JSON with key and state)', commitStatus),
  statusPage: expect<Page<CommitStatus>>('a page of build statuses (JSON with values)', page(commitStatus)),
  repository: expect<Repository>('a repository (JSON with full_name)', repository),
  commit: expect<{ hash: string; parents?: Array<{ hash: string }> }>(
    'a commit (JSON with hash)',
    record({ hash: 'string' }),
  ),
  pullRequest: expect<PullRequest>('a pull request (JSON with id and source branch)', pullRequest),
  pullRequestPage: expect<Page<PullRequest>>('a page of pull requests (JSON with values)', page(pullRequest)),
  account: expect<Account>('an account (a JSON object)', record({})),
  pipeline: expect<Pipeline>('a pipeline run (JSON with uuid and build_number)', pipeline),
  pipelinePage: expect<Page<Pipeline>>('a page of pipeline runs (JSON with values)', page(pipeline)),
  report: expect<unknown>('a Code Insights report (a JSON object)', record({})),
  annotations: expect<unknown>('the annotations written (a JSON array)', arrayOf(record({}))),
  reportRead: expect<Report>('a Code Insights report (JSON with uuid and title)', reportRead),
  reportPage: expect<Page<Report>>('a page of Code Insights reports (JSON with values)', page(reportRead)),
  annotationPage: expect<Page<Annotation>>(
    'a page of Code Insights annotations (JSON with values)',
    page(annotationRead),
  ),
  stepPage: expect<Page<PipelineStep>>('a page of pipeline steps (JSON with values)', page(pipelineStep)),
  tokenGrant: expect<{ access_token: string; expires_in?: number }>(
    'an access token (JSON with access_token)',
    record({ access_token: 'string', expires_in: 'number?' }),
  ),
};
