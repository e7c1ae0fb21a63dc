// Follows a central pipeline run's step logs: reads each step's log from where the last read ended (HTTP Range), with
// as few requests as it can (the step list only when no log grew), and renders them as one read-only text.
import { TextDecoder } from 'node:util';
import { ApiError, type BitbucketApi, type PipelineStep, type RepositoryRef } from '../../core';

/** More than this of one step's log is not kept (Bitbucket's own logs stop well before). */
export const MAX_STEP_TEXT = 8 * 1024 * 1024;

/** The run a log tab shows. */
export interface RunRef {
  central: RepositoryRef;
  uuid: string;
  pipeline: string;
  buildNumber?: number;
}

interface StepLog {
  uuid: string;
  name: string;
  state: string;
  result?: string;
  /** Bytes read so far. */
  offset: number;
  /** The step's log file does not exist yet (404 before it starts). */
  text: string;
  decoder: TextDecoder;
  /** Its log was read once after it completed: nothing more will come. */
  done: boolean;
  truncated: boolean;
}

/** What one poll did. */
export interface PollResult {
  /** New text was read, or a step changed state. */
  changed: boolean;
  /** Every step completed and its log was read to the end. */
  finished: boolean;
  /** Requests sent. */
  requests: number;
}

export class RunLog {
  private steps: StepLog[] = [];
  private listed = false;
  private grewLastPoll = false;
  private finishedFlag = false;

  constructor(readonly run: RunRef) {}

  get finished(): boolean {
    return this.finishedFlag;
  }

  /** One round of reads. Step states are read first, and afterwards only when no log grew in the last round. */
  async poll(api: BitbucketApi): Promise<PollResult> {
    let requests = 0;
    let changed = false;
    if (!this.listed || !this.grewLastPoll) {
      changed = this.mergeSteps(await api.listPipelineSteps(this.run.central, this.run.uuid));
      this.listed = true;
      requests++;
    }
    let grew = false;
    for (const step of this.steps) {
      if (step.done || step.state === 'PENDING' || step.state === 'READY') continue;
      // Read once more after COMPLETED was seen: what the step wrote last.
      const final = step.state === 'COMPLETED';
      if (step.result === 'NOT_RUN') {
        step.done = true;
        continue;
      }
      const chunk = await this.read(api, step);
      requests++;
      if (chunk.bytes.length > 0) {
        step.offset = chunk.next;
        this.append(step, step.decoder.decode(chunk.bytes, { stream: !final }));
        grew = true;
        changed = true;
      }
      if (final) {
        this.append(step, step.decoder.decode());
        step.done = true;
        changed = true;
      }
    }
    this.grewLastPoll = grew;
    this.finishedFlag = this.steps.length > 0 && this.steps.every((step) => step.done);
    return { changed, finished: this.finishedFlag, requests };
  }

  private async read(api: BitbucketApi, step: StepLog) {
    try {
      return await api.readStepLog(this.run.central, this.run.uuid, step.uuid, step.offset);
    } catch (error) {
      // A step that just started may have no log file yet.
      if (error instanceof ApiError && error.status === 404 && step.state !== 'COMPLETED')
        return { bytes: Buffer.alloc(0), next: step.offset };
      throw error;
    }
  }

  /** The whole log as the editor shows it: a header per step, its state, then its lines. */
  render(): string {
    const title = `${this.run.pipeline}${this.run.buildNumber !== undefined ? ` #${this.run.buildNumber}` : ''}`;
    const parts = [`# Central pipeline ${title} in ${this.run.central.workspace}/${this.run.central.slug}`];
    if (this.steps.length === 0)
      parts.push('', this.listed ? '(no steps yet: the run is starting)' : '(reading…)');
    this.steps.forEach((step, index) => {
      const state = step.result ? `${step.state} ${step.result}` : step.state;
      parts.push('', `## Step ${index + 1}: ${step.name} — ${state}`);
      if (step.text) parts.push(step.text.replace(/\n$/, ''));
      if (step.truncated)
        parts.push(`[only the first ${MAX_STEP_TEXT / (1024 * 1024)} MiB of this step are shown]`);
    });
    return `${parts.join('\n')}\n`;
  }

  /** Counts of lines read so far, for the tests and the status. */
  lineCount(): number {
    return this.steps.reduce((sum, step) => sum + (step.text ? step.text.split('\n').length - 1 : 0), 0);
  }

  private mergeSteps(steps: readonly PipelineStep[]): boolean {
    let changed = steps.length !== this.steps.length;
    this.steps = steps.map((step, index) => {
      const known = this.steps.find((candidate) => candidate.uuid === step.uuid);
      const state = step.state?.name ?? 'PENDING';
      const result = step.state?.result?.name;
      if (!known || known.state !== state || known.result !== result) changed = true;
      return {
        uuid: step.uuid,
        name: oneLine(step.name) || `Step ${index + 1}`,
        state,
        result,
        offset: known?.offset ?? 0,
        text: known?.text ?? '',
        decoder: known?.decoder ?? new TextDecoder('utf-8'),
        done: known?.done ?? false,
        truncated: known?.truncated ?? false,
      };
    });
    return changed;
  }

  private append(step: StepLog, text: string): void {
    if (step.truncated || text === '') return;
    const clean = cleanLog(text);
    const room = MAX_STEP_TEXT - step.text.length;
    if (clean.length > room) {
      step.text += clean.slice(0, room);
      step.truncated = true;
      return;
    }
    step.text += clean;
  }
}

/** Terminal escapes (colours, cursor moves) and carriage returns out, so the text reads as plain lines. */
export function cleanLog(text: string): string {
  return text

    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')

    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '\n');
}

function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
}
