// What each SonarQube answer Crosscheck reads must look like before it is believed (the fields Crosscheck uses).
import { arrayOf, expect, oneOf, optional, record } from '../http/shape';
import type { CeTask, IssuesPage, ProjectAnalysis, ProjectStatus } from './types';

const CE_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'CANCELED'];
const GATE_STATUSES = ['OK', 'WARN', 'ERROR', 'NONE'];

export const SHAPES = {
  ceTask: expect<{ task: CeTask }>(
    'an analysis task (JSON with task.id and task.status)',
    record({
      task: record({
        id: 'string',
        status: oneOf(CE_STATUSES),
        componentKey: 'string?',
        analysisId: 'string?',
        branch: 'string?',
        pullRequest: 'string?',
      }),
    }),
  ),
  projectStatus: expect<{ projectStatus: ProjectStatus }>(
    'a quality gate status (JSON with projectStatus.status)',
    record({
      projectStatus: record({
        status: oneOf(GATE_STATUSES),
        conditions: optional(arrayOf(record({ status: 'string', metricKey: 'string' }))),
      }),
    }),
  ),
  issues: expect<IssuesPage>(
    'a page of issues (JSON with issues)',
    record({ issues: arrayOf(record({ key: 'string' })), total: 'number?' }),
  ),
  analyses: expect<{ analyses: ProjectAnalysis[] }>(
    'a page of project analyses (JSON with analyses)',
    record({ analyses: arrayOf(record({ key: 'string', revision: 'string?' })) }),
  ),
};
