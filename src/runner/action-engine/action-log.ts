// The records an action run reports (annotations, phase results) and the sink interface it reports them through.

/** The three scripts a JavaScript action may declare, in the order they run. */
export type PhaseName = 'pre' | 'main' | 'post';

/** Outcome of the whole step, as GitHub reports a step's conclusion. */
export type StepResult = 'success' | 'failure' | 'cancelled';

/** The status after one more phase or step: cancelled wins, then failure. */
export function combine(status: StepResult, phase: StepResult): StepResult {
  if (status === 'cancelled' || phase === 'cancelled') return 'cancelled';
  return status === 'failure' || phase === 'failure' ? 'failure' : 'success';
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

/**
 * One `::error|warning|notice::` from the action (source `action`) or one problem the runner itself reports, as
 * GitHub's runner adds issues to a step (source `runner`). Every text field is already masked.
 */
export interface Annotation {
  level: AnnotationLevel;
  message: string;
  source: 'action' | 'runner';
  /** The phase that produced it; absent for problems found before any script ran (inputs, Node version). */
  phase?: PhaseName;
  title?: string;
  /** Relative to the workspace, with `/` separators, when the action named a file inside it. */
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
  endColumn?: number;
}

export interface PhaseResult {
  phase: PhaseName;
  /** The action's name, on the posts `action post` runs (they come from several actions). */
  action?: string;
  /** The script as written in action.yml (`runs.main` etc.). */
  script: string;
  /** `queued`: a post left for `crosscheck action post`. */
  status: StepResult | 'skipped' | 'queued';
  /** Why a phase was skipped or queued (its condition, or an earlier failure or cancellation). */
  reason?: string;
  /** The script's exit code; null when it was skipped, could not start, or ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the script, e.g. `SIGINT` after a cancellation. */
  signal?: string;
}

/**
 * Where a run sends what a person should see, already processed: workflow commands removed, secrets masked,
 * `::debug::` lines only when debugging was asked for. The CLI renders it as text; tests record it.
 */
export interface ActionLog {
  /** A line the script printed that is not a workflow command (or an echoed command). */
  line(text: string, stream: 'stdout' | 'stderr'): void;
  annotation(annotation: Annotation): void;
  debug(text: string): void;
  startGroup(title: string): void;
  endGroup(): void;
  phaseStarted(phase: PhaseName, script: string, action?: string): void;
  phaseFinished(result: PhaseResult): void;
}
