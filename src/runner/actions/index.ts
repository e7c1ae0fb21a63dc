// Public entry of the action engine: what `crosscheck action run` needs, nothing more.
export type {
  ActionLog,
  Annotation,
  AnnotationLevel,
  PhaseName,
  PhaseResult,
  StepResult,
} from './action-log';
export { ActionDefinitionError } from './action-definition';
export { runAction, type ActionRunOptions, type ActionRunResult } from './action-runner';
export { formatOutputsFile, outputVariableName, writeOutputsFile, type OutputsFile } from './outputs-file';
export { actionRunToJson, type ActionRunJson } from './action-run-json';
export { annotationsFor, reportFor } from './code-insights';
export { ActionFetchError, RemoteActions, type RemoteActionsOptions } from './remote-actions';
