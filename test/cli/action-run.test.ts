// `crosscheck action run` end to end: fixture actions through the bundled CLI, statuses and Code Insights in the sandbox.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, seed } from '../../src/sandbox';
import { REPO_ROOT, runCrosscheck } from '../support/cli';
import { isBitbucketApiRequest } from '../support/openapi';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'actions');
const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.pullRequest.sourceCommit;

describe('crosscheck action run (CLI)', () => {
  let sandbox: Sandbox;
  let workspace: string;
  const suite = useSandbox();
  before(() => {
    sandbox = suite.sandbox;
    workspace = mkdtempSync(join(tmpdir(), 'crosscheck-workspace-'));
  });

  const credentials = () => apiTokenEnvironment(sandbox);

  it('runs an action with inputs and writes its outputs as a dotenv file a shell can source', async () => {
    const outputs = join(workspace, 'outputs.env');
    const result = await runCrosscheck(
      [
        'action',
        'run',
        join(FIXTURES, 'inputs-outputs'),
        '--with',
        'who=Bitbucket',
        '--outputs-file',
        outputs,
      ],
      { cwd: workspace },
    );
    assert.equal(result.code, 0, result.stderr);
    const sourced = execFileSync('sh', ['-c', `. "${outputs}"; printf '%s' "$OUTPUT_MESSAGE"`], {
      encoding: 'utf8',
    });
    assert.match(sourced, /Bitbucket/);
  });

  it('with --key marks the commit INPROGRESS, then posts the result with a Code Insights report and annotations', async () => {
    const before = sandbox.requests.length;
    const result = await runCrosscheck(
      [
        'action',
        'run',
        join(FIXTURES, 'commands'),
        '--with',
        'mode=annotations',
        '--key',
        'lint',
        '--name',
        'Lint',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://ci.example.com/7',
      ],
      { env: { ...credentials(), GITHUB_WORKSPACE: workspace }, cwd: workspace },
    );
    assert.equal(result.code, 0, result.stderr);
    const sent = sandbox.requests.slice(before).filter((request) => isBitbucketApiRequest(request.path));
    const posts = sent
      .filter((request) => request.path.endsWith('/statuses/build'))
      .map((request) => (request.body as { state: string }).state);
    assert.deepEqual(posts, ['INPROGRESS', 'SUCCESSFUL']);
    assert.ok(sent.some((request) => request.method === 'PUT' && request.path.endsWith('/reports/lint')));
    const annotations = sent.find((request) => request.path.endsWith('/reports/lint/annotations'))
      ?.body as Array<{ path: string; line: number; severity: string }>;
    assert.ok(annotations, 'annotations were posted');
    assert.deepEqual(
      annotations.map((annotation) => `${annotation.path}:${annotation.line}:${annotation.severity}`).sort(),
      ['from-stderr.js:2:MEDIUM', 'lib/old.js:10:MEDIUM', 'src/app.js:3:HIGH'],
    );
    assert.match(result.stdout, /Step summary/);
    assert.ok(
      !result.stdout.includes(sandbox.demo.apiToken) && !result.stderr.includes(sandbox.demo.apiToken),
    );
  });

  it("exits with the action's exit code and posts FAILED when main fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosscheck-action-'));
    writeFileSync(join(dir, 'action.yml'), 'name: Fails\nruns:\n  using: node20\n  main: main.js\n');
    writeFileSync(
      join(dir, 'main.js'),
      "require('@actions/core').setFailed('coverage too low'); process.exitCode = 3;\n".replace(
        "require('@actions/core')",
        `require(${JSON.stringify(require.resolve('@actions/core'))})`,
      ),
    );
    const result = await runCrosscheck(
      [
        'action',
        'run',
        dir,
        '--key',
        'fails',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://ci.example.com/8',
      ],
      { env: credentials() },
    );
    assert.equal(result.code, 3, result.stderr);
    assert.equal(
      sandbox.buildStatuses(REPO, COMMIT).find((status) => status.key === 'fails')?.state,
      'FAILED',
    );
  });

  it('refuses a composite action and bad --with before running or sending anything (exit 2)', async () => {
    const before = sandbox.requests.length;
    const composite = await runCrosscheck(['action', 'run', join(FIXTURES, 'composite')], {
      env: credentials(),
    });
    assert.equal(composite.code, 2);
    assert.match(composite.stderr, /composite/i);
    const badWith = await runCrosscheck(
      [
        'action',
        'run',
        join(FIXTURES, 'inputs-outputs'),
        '--with',
        'novalue',
        '--key',
        'x',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://x.example',
      ],
      { env: credentials() },
    );
    assert.equal(badWith.code, 2);
    assert.match(badWith.stderr, /NAME=VALUE/);
    assert.equal(sandbox.requests.length, before);
  });

  it("runs Crosscheck's own action.yml, which posts a status to the sandbox from INPUT_* values", async () => {
    const result = await runCrosscheck(
      [
        'action',
        'run',
        REPO_ROOT,
        '--with',
        'command=status-set',
        '--with',
        `repo=${REPO}`,
        '--with',
        `commit=${COMMIT}`,
        '--with',
        'key=own-action',
        '--with',
        'state=passed',
        '--with',
        'url=https://ci.example.com/9',
        '--with',
        `email=${sandbox.demo.email}`,
        '--with',
        `api-token=${sandbox.demo.apiToken}`,
      ],
      { env: { BITBUCKET_API_URL: sandbox.bitbucketApiUrl } },
    );
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.equal(
      sandbox.buildStatuses(REPO, COMMIT).find((status) => status.key === 'own-action')?.state,
      'SUCCESSFUL',
    );
    assert.ok(
      !result.stdout.includes(sandbox.demo.apiToken) && !result.stderr.includes(sandbox.demo.apiToken),
      'the token passed as an input is masked',
    );
    assert.ok(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8').includes('main: dist/action.js'));
  });
});
