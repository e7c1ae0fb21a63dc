// What each Bitbucket answer Crosscheck reads must look like before it is believed (the fields Crosscheck uses).
import { arrayOf, type Check, expect, optional, record } from '../http/shape';
import type { Account, CommitStatus, Page, Pipeline, PullRequest, Repository } from './types';

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
  tokenGrant: expect<{ access_token: string; expires_in?: number }>(
    'an access token (JSON with access_token)',
    record({ access_token: 'string', expires_in: 'number?' }),
  ),
};
