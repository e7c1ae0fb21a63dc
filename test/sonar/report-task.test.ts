// The report-task.txt parser: first-`=` splitting, Java escapes, comments, and clear errors for unusable files.
import assert from 'node:assert/strict';
import { InputError } from '../../src/core/errors';
import { parseReportTask, REPORT_TASK_LOCATIONS } from '../../src/core/sonar/report-task';

const SCANNER_OUTPUT = [
  'projectKey=web-app',
  'serverUrl=https://sonar.example.com/sonarqube/',
  'serverVersion=10.7.0.96327',
  'dashboardUrl=https://sonar.example.com/sonarqube/dashboard?id=web-app&pullRequest=7',
  'ceTaskId=AZRazLoSS0MwuCgSZUZL',
  'ceTaskUrl=https://sonar.example.com/sonarqube/api/ce/task?id=AZRazLoSS0MwuCgSZUZL',
  '',
].join('\n');

describe('report-task.txt', () => {
  it('reads every field, splitting each line on the first = only', () => {
    const task = parseReportTask(SCANNER_OUTPUT, 'report-task.txt');
    assert.equal(task.projectKey, 'web-app');
    assert.equal(task.serverUrl, 'https://sonar.example.com/sonarqube', 'trailing slash dropped');
    assert.equal(task.ceTaskId, 'AZRazLoSS0MwuCgSZUZL');
    assert.equal(task.dashboardUrl, 'https://sonar.example.com/sonarqube/dashboard?id=web-app&pullRequest=7');
    assert.equal(task.ceTaskUrl, 'https://sonar.example.com/sonarqube/api/ce/task?id=AZRazLoSS0MwuCgSZUZL');
    assert.equal(task.serverVersion, '10.7.0.96327');
  });

  it('undoes java.util.Properties escapes, skips comments and accepts CRLF', () => {
    const text =
      '#Tue May 05 09:00:00 UTC 2026\r\nprojectKey=web\\:app\r\nserverUrl=http\\://localhost\\:9000\r\n! another comment\r\nceTaskId=AY1\r\n';
    const task = parseReportTask(text, 'report-task.txt');
    assert.equal(task.projectKey, 'web:app');
    assert.equal(task.serverUrl, 'http://localhost:9000');
    assert.equal(task.ceTaskId, 'AY1');
    assert.equal(task.dashboardUrl, undefined);
  });

  const unusable: Array<[string, string, RegExp]> = [
    ['an empty file', '', /projectKey, serverUrl, ceTaskId are missing/],
    ['a file without ceTaskId', 'projectKey=a\nserverUrl=https://s.example.com\n', /ceTaskId is missing/],
    [
      'a line without =',
      'projectKey=a\nserverUrl=https://s.example.com\nceTaskId=AY1\ngarbage\n',
      /line 4 is not key=value/,
    ],
    [
      'a serverUrl that is no URL',
      'projectKey=a\nserverUrl=sonar.example.com\nceTaskId=AY1\n',
      /serverUrl "sonar.example.com" is not an http\(s\) URL/,
    ],
    [
      'a task id with odd characters',
      'projectKey=a\nserverUrl=https://s.example.com\nceTaskId=../../x\n',
      /ceTaskId "..\/..\/x" is not a task id/,
    ],
    ['an HTML page', '<html><body>Not found</body></html>', /line 1 is not key=value/],
  ];
  for (const [what, text, message] of unusable) {
    it(`rejects ${what} with an InputError naming the file`, () => {
      assert.throws(
        () => parseReportTask(text, '/ci/.scannerwork/report-task.txt'),
        (error: unknown) =>
          error instanceof InputError &&
          message.test(error.message) &&
          error.message.startsWith('/ci/.scannerwork/report-task.txt') &&
          Boolean(error.hint),
      );
    });
  }

  it('knows where the CLI, Maven, Gradle and .NET scanners write it, the CLI first', () => {
    assert.deepEqual(
      REPORT_TASK_LOCATIONS.map((location) => location.path),
      [
        '.scannerwork/report-task.txt',
        'target/sonar/report-task.txt',
        'build/sonar/report-task.txt',
        '.sonarqube/out/.sonar/report-task.txt',
      ],
    );
  });
});
