// axe-core in a page or webview frame: injects the engine (through the debugging protocol, so the page's CSP does not
// apply) and returns the violations a user would be hurt by.
import * as fs from 'node:fs';
import type { Frame, Page } from 'playwright-core';

/** The axe-core engine as a script, read once from the package. */
let engine: string | undefined;
function axeSource(): string {
  engine ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return engine;
}

/** One rule broken, with the nodes that break it (their selectors), as axe reports it. */
export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules and best practices) on `target`'s document and returns the serious and
 * critical violations.
 */
export async function seriousViolations(target: Page | Frame): Promise<Violation[]> {
  await target.evaluate(axeSource());
  const all = await target.evaluate<Violation[]>(`(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  })()`);
  return all.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
