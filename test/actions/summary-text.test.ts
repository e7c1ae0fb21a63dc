// Unit tests for the plain-text rendering of step summaries (Code Insights report details).
import * as assert from 'node:assert/strict';
import { reportFor } from '../../src/runner/action-engine/code-insights';
import type { ActionRunResult } from '../../src/runner/action-engine/action-runner';
import { summaryText } from '../../src/runner/action-engine/summary-text';

describe('summaryText', () => {
  it('renders an HTML table (as mikepenz/action-junit-report writes one) as rows of cells', () => {
    const html =
      '<h1>JUnit Test Report</h1>\n<table><tr><th>Tests</th><th>Passed ✅</th><th>Failed ❌</th></tr>' +
      '<tr><td>web &amp; api</td><td>12 ran</td><td>1 failed</td></tr></table>\n' +
      '<details><summary>Failures</summary><br/>login&nbsp;test &lt;timeout&gt; &#x2014; &#8212;</details>';
    assert.equal(
      summaryText(html, 2000),
      'JUnit Test Report\nTests | Passed ✅ | Failed ❌\nweb & api | 12 ran | 1 failed\nFailures\nlogin test <timeout> — —',
    );
  });

  it('reduces Markdown to its words: headings, emphasis, links, images, code, table rules', () => {
    const markdown = [
      '## Coverage **87%**',
      '',
      '| File | Lines |',
      '| :--- | ---: |',
      '| `src/app.ts` | _90%_ |',
      '',
      '![badge](https://img.example/b.svg) See [the report](https://ci.example/r).',
      '```',
      'raw output',
      '```',
      '---',
    ].join('\n');
    assert.equal(
      summaryText(markdown, 2000),
      'Coverage 87%\n\nFile | Lines\nsrc/app.ts | 90%\n\nbadge See the report.\nraw output',
    );
  });

  it('cuts at the limit with an ellipsis', () => {
    assert.equal(summaryText('# ' + 'a'.repeat(50), 10), `${'a'.repeat(9)}…`);
  });

  it('keeps report details within Bitbucket limits, masked, without markup', () => {
    const run = {
      action: { name: 'JUnit' },
      result: 'failure',
      summary: `<table><tr><td>token s3cr<b>et-value</b></td></tr></table>${'<p>row</p>'.repeat(2000)}`,
      annotations: [],
      mask: (text: string) => text.replaceAll('s3cret-value', '***'),
    } as unknown as ActionRunResult;
    const details = reportFor(run, 'JUnit').details ?? '';
    assert.ok(details.length <= 2000, String(details.length));
    assert.ok(details.startsWith('JUnit: failure. token ***\n'), details.slice(0, 60));
    assert.doesNotMatch(details, /[<>]/);
    assert.ok(details.endsWith('…'));
  });
});
