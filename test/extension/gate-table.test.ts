// The panel's quality gate section: a real table (header cells, row headers, failure said in words), every string
// from the report escaped, the dashboard reached only through the panel's link index.
import * as assert from 'node:assert';
import { gateSection, gateView } from '../../src/extension/view/gate-table';
import { renderPanelBody } from '../../src/extension/view/panel-html';
import type { GateTable } from '../../src/extension/model/gate-conditions';

const table: GateTable = {
  reportTitle: 'SonarQube',
  gate: 'Failed',
  failedCount: 3,
  dashboard: 'https://sonar.example/dashboard?id=web-app',
  conditions: [
    { metric: 'Coverage on New Code', actual: '62.5%', failsIf: '< 80%', failed: true },
    { metric: '<img src=x onerror=alert(1)>', actual: '"><script>', failsIf: undefined, failed: true },
    { metric: 'Duplicated Lines (%) on New Code', actual: '1.2%', failsIf: '> 3%', failed: false },
  ],
};

describe('panel: quality gate conditions', () => {
  it('renders a table with the failed conditions first, words for screen readers and the dashboard by index', () => {
    const links = ['https://bitbucket.example/pr/7'];
    const view = gateView(table, links);
    assert.ok(view);
    assert.equal(view.dashboard, 1);
    assert.deepEqual(links, ['https://bitbucket.example/pr/7', 'https://sonar.example/dashboard?id=web-app']);
    assert.equal(view.unlisted, 1, 'three failed, two listed');
    const html = gateSection({ gate: view })?.markup ?? '';
    assert.match(html, /<h2 id="crosscheck-gate-title">Quality gate: Failed<\/h2>/);
    assert.match(
      html,
      /<th scope="col">Metric<\/th><th scope="col">Actual<\/th><th scope="col">Fails if<\/th>/,
    );
    assert.match(
      html,
      /<tr class="condition-failed"><th scope="row"><span class="codicon codicon-error" aria-hidden="true"><\/span>Coverage on New Code<span class="visually-hidden">, failed<\/span><\/th><td>62.5%<\/td><td>&lt; 80%<\/td><\/tr>/,
    );
    assert.match(html, /condition-passed.*Duplicated Lines/);
    assert.match(html, /1 more failed condition is on the dashboard/);
    assert.match(html, /data-command="openLink" data-link="1">Open the dashboard/);
    assert.ok(!html.includes('<img') && !html.includes('<script'), html);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });

  it('is a keyed section of the panel body, and absent without a gate report', () => {
    const view = gateView(table, []);
    const body = renderPanelBody({
      heading: 'acme/web-app',
      rerun: { enabled: true, label: 'Re-run central check' },
      refreshEnabled: true,
      links: [],
      gate: view,
    }).markup;
    assert.match(body, /<div class="panel-section" data-key="gate"><section class="gate" data-gate="Failed"/);
    assert.equal(gateView(undefined, []), undefined);
    assert.equal(gateSection({}), undefined);
  });
});
