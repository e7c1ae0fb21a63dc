// Steps of a pipeline run: their PENDING → IN_PROGRESS → COMPLETED states, their logs (size-capped), their JSON and the byte ranges of a log.
import { bitbucketTime, randomBracedUuid } from './ids';
import type { Reply } from './http';

export type StepStateName = 'PENDING' | 'READY' | 'IN_PROGRESS' | 'COMPLETED';
export type StepResult = 'SUCCESSFUL' | 'FAILED' | 'ERROR' | 'STOPPED' | 'NOT_RUN';

/** A step as the test controls see it. */
export interface PipelineStep {
  /** Braced UUID. */
  readonly uuid: string;
  readonly name: string;
  readonly state: StepStateName;
  /** Set once COMPLETED. */
  readonly result?: StepResult;
  readonly image?: string;
  /** The script lines, in order. */
  readonly script: readonly string[];
  readonly startedOn?: string;
  readonly completedOn?: string;
  /** The log so far. */
  readonly log: string;
}

/** What a run handler may do with one of its steps. */
export interface PipelineStepControl {
  readonly uuid: string;
  /** PENDING → IN_PROGRESS (no effect once started or when the run is over). */
  start(): void;
  /** Appends to the step's log (ignored once the step completed; the log stops growing at its size limit). */
  log(text: string): void;
  /** → COMPLETED with `result` (no effect once completed). */
  complete(result: Exclude<StepResult, 'NOT_RUN'>): void;
  current(): PipelineStep;
}

/** Bitbucket stops a step's log well before this; a runaway script cannot fill the sandbox's memory. */
export const MAX_STEP_LOG_BYTES = 4 * 1024 * 1024;
const TRUNCATED = '\n[log truncated by the sandbox: a step keeps at most 4 MiB]\n';

/** A step as stored. */
export class StepRecord {
  readonly uuid = randomBracedUuid();
  state: StepStateName = 'PENDING';
  result?: StepResult;
  startedAt?: number;
  completedAt?: number;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private truncated = false;

  constructor(
    readonly name: string,
    readonly script: readonly string[],
    readonly image: string | undefined,
    private readonly now: () => number,
  ) {}

  start(): void {
    if (this.state !== 'PENDING' && this.state !== 'READY') return;
    this.state = 'IN_PROGRESS';
    this.startedAt = this.now();
  }

  append(text: string): void {
    if (this.state === 'COMPLETED' || this.truncated || text === '') return;
    const chunk = Buffer.from(text, 'utf8');
    if (this.bytes + chunk.length > MAX_STEP_LOG_BYTES) {
      const room = MAX_STEP_LOG_BYTES - this.bytes;
      this.chunks.push(chunk.subarray(0, room), Buffer.from(TRUNCATED));
      this.bytes += room + Buffer.byteLength(TRUNCATED);
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  complete(result: StepResult): void {
    if (this.state === 'COMPLETED') return;
    this.state = 'COMPLETED';
    this.result = result;
    if (result !== 'NOT_RUN') this.completedAt = this.now();
  }

  /** The log as bytes (one buffer). */
  logBytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  snapshot(): PipelineStep {
    return {
      uuid: this.uuid,
      name: this.name,
      state: this.state,
      result: this.result,
      image: this.image,
      script: [...this.script],
      startedOn: this.startedAt === undefined ? undefined : bitbucketTime(this.startedAt),
      completedOn: this.completedAt === undefined ? undefined : bitbucketTime(this.completedAt),
      log: this.logBytes().toString('utf8'),
    };
  }
}

function stepStateJson(step: StepRecord): Record<string, unknown> {
  switch (step.state) {
    case 'PENDING':
      return { type: 'pipeline_step_state_pending', name: 'PENDING' };
    case 'READY':
      return { type: 'pipeline_step_state_ready', name: 'READY' };
    case 'IN_PROGRESS':
      return { type: 'pipeline_step_state_in_progress', name: 'IN_PROGRESS' };
    case 'COMPLETED': {
      const result = step.result ?? 'ERROR';
      return {
        type: 'pipeline_step_state_completed',
        name: 'COMPLETED',
        result: { type: `pipeline_step_state_completed_${result.toLowerCase()}`, name: result },
      };
    }
  }
}

/** A step as GET …/steps/{step_uuid} answers it. */
export function stepJson(
  step: StepRecord,
  pipelineUuid: string,
  runNumber: number,
  now: number,
): Record<string, unknown> {
  const ended = step.completedAt ?? now;
  const seconds = step.startedAt === undefined ? 0 : Math.max(0, Math.round((ended - step.startedAt) / 1000));
  return {
    type: 'pipeline_step',
    uuid: step.uuid,
    name: step.name,
    pipeline: { type: 'pipeline', uuid: pipelineUuid },
    ...(step.image ? { image: { name: step.image } } : {}),
    setup_commands: [],
    script_commands: step.script.map((command) => ({ name: command.split('\n')[0], command })),
    state: stepStateJson(step),
    ...(step.startedAt !== undefined ? { started_on: bitbucketTime(step.startedAt) } : {}),
    ...(step.completedAt !== undefined ? { completed_on: bitbucketTime(step.completedAt) } : {}),
    duration_in_seconds: seconds,
    build_seconds_used: seconds,
    run_number: runNumber,
    trigger: { type: 'pipeline_step_trigger_automatic' },
  };
}

/**
 * The log of a step as Bitbucket serves it: the whole text, or with `Range: bytes=N-`, `bytes=N-M` or `bytes=-N`
 * the 206 part with Content-Range; a range starting at or beyond the end is 416 with `Content-Range: bytes *\/len`.
 * A header that is no single byte range is ignored (RFC 9110 allows it).
 */
export function logReply(log: Buffer, rangeHeader: string | undefined): Reply {
  const total = log.length;
  const whole: Reply = {
    status: 200,
    raw: log,
    contentType: 'text/plain; charset=utf-8',
    headers: { 'Accept-Ranges': 'bytes' },
  };
  const match = rangeHeader ? /^\s*bytes=(\d*)-(\d*)\s*$/.exec(rangeHeader) : null;
  if (!match || (match[1] === '' && match[2] === '')) return whole;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return unsatisfiable(total);
    start = Math.max(0, total - suffix);
    end = total - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? total - 1 : Math.min(Number(match[2]), total - 1);
    if (match[2] !== '' && Number(match[2]) < start) return whole;
  }
  if (start >= total) return unsatisfiable(total);
  return {
    status: 206,
    // Bytes, not characters: a range may cut a UTF-8 sequence, as it would on Bitbucket.
    raw: log.subarray(start, end + 1),
    contentType: 'text/plain; charset=utf-8',
    headers: { 'Accept-Ranges': 'bytes', 'Content-Range': `bytes ${start}-${end}/${total}` },
  };
}

function unsatisfiable(total: number): Reply {
  return {
    status: 416,
    body: { type: 'error', error: { message: 'Requested range not satisfiable' } },
    headers: { 'Content-Range': `bytes */${total}` },
  };
}
