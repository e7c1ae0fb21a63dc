// Public entry of the sandbox: startSandbox, the seeded state and the types of its test controls.
export { startSandbox, type Sandbox, type SandboxOptions } from './sandbox';
export { seed, DEMO_API_TOKEN_SCOPES, type DemoCredentials } from './seed';
export type { RecordedRequest } from './server';
export type { BuildStatus, BuildStatusInput } from './bitbucket-statuses';
export type {
  PipelineRun,
  PipelineRunControl,
  PipelineRunHandler,
  PipelineResult,
  PipelineStateName,
  PipelineVariable,
  PipelineStep,
  PipelineStepControl,
  StepResult,
} from './bitbucket-pipelines';
export { CENTRAL_STATUS, type CentralOutcome } from './central-run';
export { RATE_LIMIT_MESSAGE, type Fault, type FaultRule } from './faults';
export type { RateLimitOptions } from './rate-limit';
export { MESSAGES as BITBUCKET_AUTH_MESSAGES } from './auth';
export { REPOSITORY_NOT_FOUND } from './bitbucket-repositories';
export {
  SONAR_SERVER_VERSION,
  type SonarControls,
  type SonarCondition,
  type SonarGate,
  type SonarIssue,
  type SonarTaskStatus,
  type SubmitAnalysisOptions,
  type SubmittedAnalysis,
  type ScannerSubmission,
} from './sonar';
