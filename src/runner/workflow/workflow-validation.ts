// Validates a workflow file with GitHub's own parser (@actions/workflow-parser): schema, expressions, needs.
import { promises as fs } from 'node:fs';
import { readWorkflow, WorkflowError, type Workflow } from './workflow-model';

/** The largest workflow file read. */
const FILE_LIMIT = 1024 * 1024;

/** GitHub's "file (Line: 3, Col: 7): message" as "file:3:7: message". */
export function formatParserError(message: string): string {
  return message.replace(/^(.*?) \(Line: (\d+), Col: (\d+)\): /, '$1:$2:$3: ');
}

/**
 * Reads and validates `file` (as shown in messages: `name`), refusing it with every error GitHub's parser reports —
 * schema errors and expressions that do not parse or use a context the key does not have — before anything runs.
 */
export async function loadWorkflow(path: string, name = path): Promise<Workflow> {
  let content: string;
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile()) throw new WorkflowError(`${name} is not a file.`);
    if (stat.size > FILE_LIMIT)
      throw new WorkflowError(`${name} is larger than 1 MiB; it is not a workflow.`);
    content = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof WorkflowError) throw error;
    throw new WorkflowError(
      `Cannot read ${name} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    );
  }
  const parser = await import('@actions/workflow-parser');
  const parsed = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((error) => formatParserError(error.message));
  if (errors.length === 0 && parsed.value) {
    const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
    for (const error of template.errors ?? []) errors.push(formatParserError(error.Message));
  }
  if (errors.length > 0 || !parsed.value) {
    throw new WorkflowError(
      `${name} is not a valid GitHub workflow:\n${(errors.length ? errors : ['empty document']).map((line) => `  ${line}`).join('\n')}`,
    );
  }
  return readWorkflow(name, content);
}
