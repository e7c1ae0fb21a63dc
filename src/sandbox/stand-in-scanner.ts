// The sandbox's stand-in for the SonarQube scanner: a Node script that reads properties as the real scanner does, honours javaExePath, uploads to api/ce/submit and writes report-task.txt.

/**
 * What the real scanner does that matters to the central pipeline's safety, and nothing more:
 * - properties from `project.settings`, else `<sonar.projectBaseDir>/sonar-project.properties`; `-Dkey=value`
 *   arguments win over the file;
 * - `sonar.scanner.javaExePath` is executed (the real scanner runs it as the JRE);
 * - the token comes from `SONAR_TOKEN` (or `sonar.token`), the server from `sonar.host.url`;
 * - `report-task.txt` goes to `sonar.scanner.metadataFilePath`, else `<base>/.scannerwork/report-task.txt`.
 * Run as `node stand-in-scanner.js -Dsonar.projectKey=… …`.
 */
export const STAND_IN_SCANNER_SOURCE = String.raw`'use strict';
// Stand-in SonarQube scanner of the Crosscheck sandbox (not the real scanner).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

function readProperties(file) {
  const out = {};
  for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at < 0) continue;
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

const given = {};
for (const arg of process.argv.slice(2)) {
  const match = /^-D([^=]+)=(.*)$/s.exec(arg);
  if (!match) {
    console.error('stand-in scanner: unknown argument ' + arg);
    process.exit(2);
  }
  given[match[1]] = match[2];
}
const base = path.resolve(given['sonar.projectBaseDir'] || process.cwd());
const settings = given['project.settings']
  ? path.resolve(given['project.settings'])
  : path.join(base, 'sonar-project.properties');
const fromFile = fs.existsSync(settings) ? readProperties(settings) : {};
const props = { ...fromFile, ...given };
console.log('INFO: Scanner configuration file: ' + (fs.existsSync(settings) ? settings : 'NONE'));
console.log('INFO: Project root configuration file: ' + (given['project.settings'] ? 'NONE' : settings));
if (props['sonar.scanner.javaExePath']) {
  console.log('INFO: Using the JRE at ' + props['sonar.scanner.javaExePath']);
  execFileSync(props['sonar.scanner.javaExePath'], ['-version'], { stdio: 'inherit', cwd: base });
}
const host = (props['sonar.host.url'] || '').replace(/\/+$/, '');
const token = process.env.SONAR_TOKEN || props['sonar.token'];
if (!host || !props['sonar.projectKey']) {
  console.error('ERROR: sonar.host.url and sonar.projectKey are required');
  process.exit(1);
}
if (!token) {
  console.error('ERROR: no token (SONAR_TOKEN)');
  process.exit(1);
}
let revision = props['sonar.scm.revision'];
if (!revision) {
  try {
    revision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: base, encoding: 'utf8' }).trim();
  } catch {
    revision = undefined;
  }
}
const exclusions = (props['sonar.exclusions'] || '').split(',').map((p) => p.trim()).filter(Boolean);
let files = 0;
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === '.scannerwork') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.isFile()) files++;
  }
};
walk(base);
console.log('INFO: ' + files + ' files indexed' + (exclusions.length ? ' (exclusions: ' + exclusions.join(', ') + ')' : ''));
const reported = Object.fromEntries(
  Object.entries(props).filter(([key]) => !/token|password|login/i.test(key)),
);
const form = new URLSearchParams({
  projectKey: props['sonar.projectKey'],
  properties: JSON.stringify(reported),
});
if (props['sonar.pullrequest.key']) form.set('pullRequest', props['sonar.pullrequest.key']);
else if (props['sonar.branch.name']) form.set('branch', props['sonar.branch.name']);
if (revision) form.set('revision', revision);
(async () => {
  const response = await fetch(host + '/api/ce/submit', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    signal: AbortSignal.timeout(30000),
  });
  if (!response.ok) {
    console.error('ERROR: ' + host + '/api/ce/submit answered ' + response.status);
    process.exit(1);
  }
  const { taskId } = await response.json();
  const dashboard = new URL(host + '/dashboard');
  dashboard.searchParams.set('id', props['sonar.projectKey']);
  if (props['sonar.pullrequest.key']) dashboard.searchParams.set('pullRequest', props['sonar.pullrequest.key']);
  else if (props['sonar.branch.name']) dashboard.searchParams.set('branch', props['sonar.branch.name']);
  const report = props['sonar.scanner.metadataFilePath'] || path.join(base, '.scannerwork', 'report-task.txt');
  fs.mkdirSync(path.dirname(path.resolve(report)), { recursive: true });
  fs.writeFileSync(
    report,
    [
      'projectKey=' + props['sonar.projectKey'],
      'serverUrl=' + host,
      'dashboardUrl=' + dashboard,
      'ceTaskId=' + taskId,
      'ceTaskUrl=' + host + '/api/ce/task?id=' + taskId,
      '',
    ].join('\n'),
  );
  console.log('INFO: Analysis report uploaded; task ' + taskId + '; report-task.txt written to ' + report);
})().catch((error) => {
  console.error('ERROR: ' + error.message);
  process.exit(1);
});
`;
