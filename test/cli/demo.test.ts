// `crosscheck demo` as a newcomer reads it: the examples' own lines, a scan it says is simulated, what to try next,
// and --json that prints JSON.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCrosscheck } from '../support/cli';

/** The script line of an example that runs `crosscheck <command>`, as written (not a comment). */
function exampleLine(example: string, command: string): string {
  const text = readFileSync(join(REPO_ROOT, 'examples', example, 'bitbucket-pipelines.yml'), 'utf8');
  const line = text
    .split('\n')
    .map((candidate) => candidate.trim().replace(/^- /, ''))
    .find((candidate) => !candidate.startsWith('#') && candidate.startsWith(`crosscheck ${command}`));
  assert.ok(line, `examples/${example} has no crosscheck ${command} line`);
  return line.replace(/\s+/g, ' ');
}

describe('crosscheck demo, as a newcomer reads it', function () {
  this.timeout(90_000);
  let story = '';
  before(async () => {
    const result = await runCrosscheck(['demo', '--analysis-ms', '200']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    story = result.stdout;
  });
  const shown = (command: string) =>
    [...story.matchAll(new RegExp(`^ {2}\\$ (crosscheck ${command}.*)$`, 'gm'))].map((match) => match[1]);

  it('runs the trigger line of examples/individual and the gate line of examples/central, as written there', () => {
    const trigger = exampleLine('individual', 'trigger');
    const gate = exampleLine('central', 'sonar-gate');
    assert.deepEqual([...new Set(shown('trigger'))], [trigger], 'the demo and examples/individual differ');
    assert.deepEqual([...new Set(shown('sonar-gate'))], [gate], 'the demo and examples/central differ');
  });

  it('says that the scan is simulated', () => {
    assert.match(story, /the SonarQube scan is simulated/);
    assert.match(story, /runs the scanner \(simulated here\)/);
  });

  it('ends with what to try next: the sandbox, --help, the examples', () => {
    const next = story.slice(story.lastIndexOf('What to try next:'));
    assert.ok(story.includes('What to try next:'), story);
    assert.match(next, /crosscheck sandbox/);
    assert.match(next, /crosscheck --help/);
    assert.match(next, /examples\/individual and examples\/central/);
  });

  it('--json prints one JSON document on stdout, the story on stderr', async () => {
    const result = await runCrosscheck(['demo', '--json', '--analysis-ms', '200']);
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as {
      simulatedScan: boolean;
      rounds: Array<{ verdict: string }>;
      mergeCheckWouldPass: boolean;
    };
    assert.equal(document.simulatedScan, true);
    assert.deepEqual(
      document.rounds.map((round) => round.verdict),
      ['FAILED', 'SUCCESSFUL'],
    );
    assert.equal(document.mergeCheckWouldPass, true);
    assert.match(result.stderr, /\$ crosscheck sonar-gate/);
  });
});
