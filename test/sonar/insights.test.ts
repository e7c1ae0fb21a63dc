// Gate → Code Insights report (at most 10 fields), SonarQube issues → annotations (severity, path, link, 1,000 cap).
import assert from 'node:assert/strict';
import { gateReport, issuesToAnnotations, MAX_REPORT_FIELDS } from '../../src/core/sonar/insights';
import { gateVerdict } from '../../src/core/sonar/gate';
import type { GateCondition, SonarIssue } from '../../src/core/sonar/types';

describe('Code Insights from a SonarQube analysis', () => {
  it('reports the gate, the failed count and condition values, at most 10 fields, failures first', () => {
    const conditions: GateCondition[] = Array.from({ length: 12 }, (_, index) => ({
      status: index === 11 ? 'ERROR' : 'OK',
      metricKey: index === 11 ? 'new_coverage' : `new_metric_${index}`,
      comparator: 'LT',
      errorThreshold: '80',
      actualValue: index === 11 ? '62.5' : '5',
    }));
    const report = gateReport(gateVerdict({ status: 'ERROR', conditions }), {
      title: 'SonarQube',
      link: 'https://sonar.example.com/dashboard?id=a',
      projectKey: 'a',
    });
    assert.equal(report.result, 'FAILED');
    assert.equal(report.data?.length, MAX_REPORT_FIELDS);
    assert.deepEqual(report.data?.slice(0, 3), [
      { title: 'Quality gate', type: 'TEXT', value: 'Failed' },
      { title: 'Failed conditions', type: 'NUMBER', value: 1 },
      { title: 'Coverage on New Code (fails if < 80%)', type: 'PERCENTAGE', value: 62.5 },
    ]);
    assert.match(report.details, /Coverage on New Code 62\.5% < 80%/);
  });

  it('turns issues into annotations, most severe first, with file path, line and a link', () => {
    const issues: SonarIssue[] = [
      {
        key: 'i1',
        rule: 'ts:S1',
        severity: 'MINOR',
        type: 'CODE_SMELL',
        component: 'web-app:src/a.ts',
        line: 3,
        message: 'minor',
      },
      {
        key: 'i2',
        rule: 'ts:S2',
        severity: 'BLOCKER',
        type: 'VULNERABILITY',
        component: 'web-app:src/b.ts',
        line: 9,
        message: 'blocker',
      },
      {
        key: 'i3',
        type: 'BUG',
        component: 'web-app',
        message: 'project-level',
        impacts: [{ softwareQuality: 'RELIABILITY', severity: 'HIGH' }],
      },
    ];
    const annotations = issuesToAnnotations(
      issues,
      'web-app',
      (issue) => `https://sonar.example.com/issue/${issue.key}`,
    );
    assert.deepEqual(
      annotations.map((annotation) => [
        annotation.external_id,
        annotation.severity,
        annotation.annotation_type,
      ]),
      [
        ['i2', 'CRITICAL', 'VULNERABILITY'],
        ['i3', 'HIGH', 'BUG'],
        ['i1', 'LOW', 'CODE_SMELL'],
      ],
    );
    assert.equal(annotations[0]?.path, 'src/b.ts');
    assert.equal(annotations[0]?.line, 9);
    assert.equal(annotations[0]?.link, 'https://sonar.example.com/issue/i2');
    assert.equal(annotations[1]?.path, undefined, 'an issue on the project itself has no file');
  });

  it('keeps 1,000 annotations at most, the most severe ones', () => {
    const issues: SonarIssue[] = Array.from({ length: 1200 }, (_, index) => ({
      key: `k${index}`,
      severity: index < 200 ? 'INFO' : 'MAJOR',
      type: 'CODE_SMELL',
      component: 'p:f.ts',
      message: 'm',
    }));
    const annotations = issuesToAnnotations(issues, 'p');
    assert.equal(annotations.length, 1000);
    assert.ok(
      annotations.every((annotation) => annotation.severity === 'MEDIUM'),
      'the 200 INFO issues were the ones left out',
    );
  });
});
