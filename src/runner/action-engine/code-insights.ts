// Turns an action run into a Bitbucket Code Insights report and annotations (those with a file and a line).
import { createHash } from 'node:crypto';
import type { AnnotationInput, ReportInput } from '../../core';
import type { Annotation } from './action-log';
import type { ActionRunResult } from './action-runner';

const SEVERITY = { error: 'HIGH', warning: 'MEDIUM', notice: 'LOW' } as const;

export function reportFor(run: ActionRunResult, title: string): ReportInput {
  const count = (level: Annotation['level']) =>
    run.annotations.filter((annotation) => annotation.level === level).length;
  return {
    title,
    details: run.mask(
      `${run.action.name}: ${run.result}${run.summary ? `. ${run.summary.replace(/\s+/g, ' ').slice(0, 1500)}` : ''}`,
    ),
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
