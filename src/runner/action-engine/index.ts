// Public entry of the action engine: what `crosscheck action run` and `action post` need, nothing more.
export type {
  ActionLog,
  Annotation,
  AnnotationLevel,
  PhaseName,
  PhaseResult,
  StepResult,
} from './action-log';
export { ActionDefinitionError } from './action-definition';
export {
  prepareAction,
  runAction,
  type ActionRunOptions,
  type ActionRunResult,
  type PreparedAction,
} from './action-runner';
export { runQueuedPosts, type PostRunOptions, type PostRunResult } from './post-runner';
export { locateJob, type JobLocation } from './job-state';
export type { JobStatus } from './conditions';
export { appendEnvExports } from './env-file';
export {
  checkUserFile,
  writeUserFile,
  formatOutputsFile,
  outputVariableName,
  writeOutputsFile,
  type OutputsFile,
} from './outputs-file';
export { actionRunToJson, type ActionRunJson } from './action-run-json';
export { annotationsFor, reportFor } from './code-insights';
export { ActionFetchError, RemoteActions, type RemoteActionsOptions } from './remote-actions';
// What `crosscheck workflow run` builds a workflow job from (issue 23): the job, its sessions and GitHub's evaluator.
export { actionBaseEnvironment, knownSecrets, visibleEnvironment, type JobOptions } from './action-runner';
export { combine } from './action-log';
export { resolveShell } from './composite-runner';
export {
  buildContexts,
  loadExpressionEvaluator,
  readEventPayload,
  type ExpressionEvaluator,
} from './expressions';
export { Job, type JobRecord } from './job-state';
export { JobSession } from './job-session';
export { startupEnvironment, WarmNode } from './script-process';
