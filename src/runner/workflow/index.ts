// Public entry of the workflow chunk: what `crosscheck workflow run|matrix|pipelines` need, loaded only by them.
export { checkPipelinesKeys, drawPipelines, type DrawnPipelines, type PipelinesOptions } from './pipelines';
export { readNeeds, writeJobOutputs, type NeededJob } from './job-outputs-file';
export { chooseCombination, describeCombination, matrixCombinations, parseMatrixOptions } from './matrix';
export { prepareWorkflowJob, type WorkflowJobOptions, type WorkflowJobResult } from './job-runner';
export { loadWorkflow } from './workflow-validation';
export { findJob, WorkflowError, type Workflow, type WorkflowJob } from './workflow-model';
