// Turns an action run into a Bitbucket Code Insights report and annotations (those with a file and a line).
import { createHash } from 'node:crypto';
import type { AnnotationInput, ReportInput } from '../../core';
import type { Annotation } from './action-log';
import type { ActionRunResult } from './action-runner';
import { summaryText } from './summary-text';

/** Bitbucket's limit on a report's `details`. */
const DETAILS_LIMIT = 2000;

const SEVERITY = { error: 'HIGH', warning: 'MEDIUM', notice: 'LOW' } as const;

export function reportFor(run: ActionRunResult, title: string): ReportInput {
  const count = (level: Annotation['level']) =>
    run.annotations.filter((annotation) => annotation.level === level).length;
  return {
    title,
    details: reportDetails(run),
    report_type: 'TEST',
    reporter: 'crosscheck',
    result: run.result === 'success' ? 'PASSED' : 'FAILED',
    data: [
      { title: 'Result', type: 'TEXT', value: run.result },
      { title: 'Errors', type: 'NUMBER', value: count('error') },
      { title: 'Warnings', type: 'NUMBER', value: count('warning') },
    ],
  };
}

/**
 * `<action>: <result>`, then the step summary as plain text (Code Insights shows no markup), masked and within
 * Bitbucket's 2000 characters.
 */
function reportDetails(run: ActionRunResult): string {
  const head = run.mask(`${run.action.name}: ${run.result}`);
  if (!run.summary) return head.slice(0, DETAILS_LIMIT);
  const room = DETAILS_LIMIT - head.length - 2;
  if (room <= 0) return head.slice(0, DETAILS_LIMIT);
  // Masked before (a cut never leaves part of a secret) and after (tags no longer split one).
  return `${head}. ${run.mask(summaryText(run.mask(run.summary), room))}`;
}

/**
 * Annotations that point at a file and line, masked again with every secret known at the end of the run; their ids
 * are stable so a re-run updates rather than duplicates.
 */
export function annotationsFor(run: ActionRunResult): AnnotationInput[] {
  return run.annotations
    .filter((annotation) => annotation.source === 'action' && annotation.file && annotation.line)
    .map((found) => ({
      ...found,
      message: run.mask(found.message),
      ...(found.title !== undefined && { title: run.mask(found.title) }),
      file: run.mask(found.file ?? ''),
    }))
    .map((annotation) => ({
      external_id: createHash('sha1')
        .update(`${annotation.level}:${annotation.file}:${annotation.line}:${annotation.message}`)
        .digest('hex')
        .slice(0, 24),
      annotation_type: annotation.level === 'error' ? 'BUG' : 'CODE_SMELL',
      summary: (annotation.title ? `${annotation.title}: ${annotation.message}` : annotation.message).slice(
        0,
        450,
      ),
      details: annotation.message.length > 450 ? annotation.message.slice(0, 2000) : undefined,
      path: annotation.file,
      line: annotation.line,
      severity: SEVERITY[annotation.level],
      result: annotation.level === 'error' ? 'FAILED' : 'IGNORED',
    }));
}
