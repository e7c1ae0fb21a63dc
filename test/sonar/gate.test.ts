// Quality gate → build status: conditions in words, OK/ERROR/WARN/NONE with their policies, descriptions that fit.
import assert from 'node:assert/strict';
import { InputError } from '../../src/core/errors';
import { conditionsTable, describeCondition, metricName } from '../../src/core/sonar/conditions';
import { gateVerdict, parseGatePolicy } from '../../src/core/sonar/gate';
import type { GateCondition } from '../../src/core/sonar/types';
import { MAX_DESCRIPTION_LENGTH } from '../../src/core/validation';

const COVERAGE: GateCondition = {
  status: 'ERROR',
  metricKey: 'new_coverage',
  comparator: 'LT',
  errorThreshold: '80',
  actualValue: '62.5',
};
const BUGS: GateCondition = {
  status: 'ERROR',
  metricKey: 'new_bugs',
  comparator: 'GT',
  errorThreshold: '0',
  actualValue: '3',
};
const DUPLICATION_OK: GateCondition = {
  status: 'OK',
  metricKey: 'new_duplicated_lines_density',
  comparator: 'GT',
  errorThreshold: '3',
  actualValue: '0.8',
};

describe('quality gate conditions in words', () => {
  it('names metrics as SonarQube shows them and gives values their units', () => {
    assert.equal(describeCondition(COVERAGE).text, 'Coverage on New Code 62.5% < 80%');
    assert.equal(describeCondition(BUGS).text, 'New Bugs 3 > 0');
    assert.equal(describeCondition(DUPLICATION_OK).text, 'Duplicated Lines (%) on New Code 0.8% > 3%');
    assert.equal(
      describeCondition({
        status: 'ERROR',
        metricKey: 'new_reliability_rating',
        comparator: 'GT',
        errorThreshold: '1',
        actualValue: '3',
      }).text,
      'Reliability Rating on New Code C worse than A',
    );
    assert.equal(
      describeCondition({
        status: 'ERROR',
        metricKey: 'new_coverage',
        comparator: 'LT',
        errorThreshold: '80',
        actualValue: '0.0',
      }).actual,
      '0%',
    );
  });

  it('makes a readable name of a metric it does not know', () => {
    assert.equal(metricName('new_custom_widgets'), 'Custom Widgets on New Code');
    assert.equal(metricName('custom_widgets'), 'Custom Widgets');
  });

  it('prints every condition as an aligned table', () => {
    const table = conditionsTable([COVERAGE, BUGS, DUPLICATION_OK].map(describeCondition)).split('\n');
    assert.equal(table.length, 4);
    assert.match(table[1] ?? '', /^ERROR\s+Coverage on New Code\s+62\.5%\s+< 80%$/);
    assert.equal(table[1]?.indexOf('62.5%'), table[3]?.indexOf('0.8%'), 'the Actual column is aligned');
  });
});

describe('quality gate verdict', () => {
  it('OK posts SUCCESSFUL', () => {
    const verdict = gateVerdict({ status: 'OK', conditions: [DUPLICATION_OK] });
    assert.equal(verdict.state, 'SUCCESSFUL');
    assert.equal(verdict.description, 'Quality gate passed');
    assert.deepEqual(verdict.failing, []);
  });

  it('ERROR posts FAILED naming only the failed conditions', () => {
    const verdict = gateVerdict({ status: 'ERROR', conditions: [COVERAGE, DUPLICATION_OK, BUGS] });
    assert.equal(verdict.state, 'FAILED');
    assert.equal(
      verdict.description,
      'Quality gate failed: Coverage on New Code 62.5% < 80%; New Bugs 3 > 0',
    );
    assert.equal(verdict.conditions.length, 3);
  });

  it('WARN fails by default and passes with --on-warn successful', () => {
    const warn = { status: 'WARN' as const, conditions: [{ ...BUGS, status: 'WARN' as const }] };
    assert.equal(gateVerdict(warn).state, 'FAILED');
    const lenient = gateVerdict(warn, { onWarn: 'successful', onNone: 'failed' });
    assert.equal(lenient.state, 'SUCCESSFUL');
    assert.match(lenient.description, /^Quality gate passed with warnings: New Bugs 3 > 0$/);
  });

  it('NONE spells out that there is no quality gate, failing unless told otherwise', () => {
    const none = gateVerdict({ status: 'NONE', conditions: [] });
    assert.equal(none.state, 'FAILED');
    assert.match(none.description, /No quality gate is set for this project/);
    assert.equal(
      gateVerdict({ status: 'NONE' }, { onWarn: 'failed', onNone: 'successful' }).state,
      'SUCCESSFUL',
    );
  });

  it('keeps whole conditions within the description length and counts the rest', () => {
    const many: GateCondition[] = Array.from({ length: 30 }, (_, index) => ({
      ...BUGS,
      metricKey: `new_custom_metric_number_${index}`,
    }));
    const verdict = gateVerdict({ status: 'ERROR', conditions: many });
    assert.ok(
      verdict.description.length <= MAX_DESCRIPTION_LENGTH,
      `${verdict.description.length} characters`,
    );
    const more = /; \+(\d+) more$/.exec(verdict.description);
    assert.ok(more, verdict.description);
    const shown = verdict.description.split('; ').length - 1;
    assert.equal(shown + Number(more[1]), 30, 'shown and counted add up to all conditions');
  });

  it('reads policies strictly', () => {
    assert.equal(parseGatePolicy(undefined, '--on-warn'), 'failed');
    assert.equal(parseGatePolicy('Successful', '--on-warn'), 'successful');
    assert.throws(
      () => parseGatePolicy('pass', '--on-none'),
      (error: unknown) => error instanceof InputError && /--on-none "pass"/.test(error.message),
    );
  });
});
