// The core's public surface: the CLI and the extension import the core only from here (lint fences deep imports).

// Errors: each pairs a message with what to do; InputError (and CredentialError) is found before anything is sent.
export { ApiError, CredentialError, CrosscheckError, InputError, NetworkError } from './errors';

// Input parsing: every value checked, and named after the option or setting it came from.
export {
  BUILD_STATES,
  formatRepository,
  isRepositoryName,
  MAX_DESCRIPTION_LENGTH,
  MAX_KEY_LENGTH,
  MAX_NAME_LENGTH,
  parseApiUrl,
  parseCommit,
  parseHttpUrl,
  parseKey,
  parseRepository,
  parseState,
  shorten,
  type BuildState,
  type RepositoryRef,
} from './validation';
export { hasControlCharacters, printable, printableJson, stripControlCharacters } from './display-text';

// Credentials, secrets and the masker.
export {
  API_TOKEN_HELP,
  credentialSecrets,
  describeCredential,
  ENVIRONMENT_NAMES,
  resolveCredential,
  type Credential,
  type CredentialSources,
  type SourceNames,
} from './credentials';
export { looksLikeToken, SecretMasker } from './secret-masker';

// Connecting: the one HTTP client's transport settings, proxy variables, events, request budget, User-Agent.
export {
  connectBitbucket,
  DEFAULT_API_URL,
  DEFAULT_OAUTH_TOKEN_URL,
  type BitbucketConnection,
  type TransportOptions,
} from './bitbucket/connection';
export type { HttpEvent } from './http/client';
export { proxyFromEnvironment } from './http/proxy';
export { nearLimitWarning, RequestTally } from './http/rate-limit';
export { userAgent, VERSION } from './build-version';

// Posting and reading build statuses, and what a merge check concludes from them.
export { buildStatusPostUrl, type BitbucketApi, type StepLogChunk } from './bitbucket/api';
export type {
  Annotation,
  AnnotationInput,
  BuildStatusInput,
  CommitStatus,
  Pipeline,
  PipelineStep,
  PipelineVariable,
  PullRequest,
  Report,
  ReportDataField,
  ReportInput,
} from './bitbucket/types';
export { mergeVerdict, type MergeVerdict } from './merge-check';

// The central check: start it (a refused trigger explained), follow the run, word its state.
export {
  describePipelineState,
  followPipeline,
  startCentralCheck,
  triggerVariables,
  type CentralCheckRequest,
  type CentralCheckStarted,
} from './central-check';

// The SonarQube gate check.
export { conditionsTable } from './sonar/conditions';
export { connectSonar } from './sonar/connection';
export { bitbucketApiUrlProblem, parseBitbucketApiUrl } from './bitbucket/api-url';
export { parseGatePolicy } from './sonar/gate';
export {
  runGateCheck,
  VerdictNotPostedError,
  type GateCheckEvent,
  type GateCheckRequest,
  type GateCheckResult,
  type InsightsWritten,
} from './sonar/gate-check';
export { parseReportTask, REPORT_TASK_LOCATIONS, type ReportTask } from './sonar/report-task';

// The doctor: which credential, who it is, what it can reach, who owns a status.
export { runDoctor, type DoctorReport, type StatusToInspect } from './doctor';
