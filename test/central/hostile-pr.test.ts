// A hostile pull request against the central pipeline, played by the sandbox's pipeline runner with canary credentials: no PR code sees a Bitbucket credential, the verdict is honest, nothing stays INPROGRESS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { seed, startSandbox, type PipelineRun, type Sandbox } from '../../src/sandbox';
import { runCrosscheck, REPO_ROOT } from '../support/cli';
import { assertRequestsMatchOpenApi } from '../support/sandbox-suite';
import { waitFor } from '../sandbox/http-client';

const REPO = seed.webApp.fullName;
const CENTRAL = seed.centralChecks.fullName;
const CROSSCHECK = [process.execPath, join(REPO_ROOT, 'dist', 'cli.js')];
const BRANCH = 'feature/hostile';

/** Every payload appends what it can see (its environment and its parent's, as /proc shows them) to `records`. */
function hostileTree(folder: string, records: string, registryUrl: string, foreignReport: string): void {
  const shellPayload = (name: string) =>
    `#!/bin/sh\n{ echo "PAYLOAD ${name} $0 $*"; env; tr '\\0' '\\n' < /proc/$PPID/environ; } >> '${records}' 2>/dev/null\nexit 0\n`;
  const nodePayload = (name: string) =>
    `#!/usr/bin/env node\nconst fs = require('node:fs');\nlet parent = '';\ntry { parent = fs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8'); } catch {}\n` +
    `fs.appendFileSync(${JSON.stringify(records)}, 'PAYLOAD ${name}\\n' + JSON.stringify(process.env) + '\\n' + parent + '\\n');\n`;
  const files: Record<string, { text: string; executable?: boolean }> = {
    'README.md': { text: '# web-app, hostile edition\n' },
    'src/index.js': { text: 'module.exports = 1;\n' },
    // npx @sonar/scan@5.0.1 in the tree would run this planted package.
    'package.json': {
      text: JSON.stringify({ name: 'web-app', version: '1.0.0', dependencies: { '@sonar/scan': '5.0.1' } }),
    },
    'node_modules/@sonar/scan/package.json': {
      text: JSON.stringify({
        name: '@sonar/scan',
        version: '5.0.1',
        bin: { 'sonar-scanner': 'bin/sonar-scanner.js' },
      }),
    },
    'node_modules/@sonar/scan/bin/sonar-scanner.js': {
      text: nodePayload('planted @sonar/scan'),
      executable: true,
    },
    // npm reading the tree's configuration would ask this registry.
    '.npmrc': { text: `registry=${registryUrl}/\nalways-auth=true\n` },
    // The scanner reading the tree's settings would run "java" from the tree, analyse nothing, report elsewhere.
    'sonar-project.properties': {
      text: 'sonar.projectKey=other-project\nsonar.exclusions=**\nsonar.scanner.javaExePath=tools/java\n',
    },
    'tools/java': { text: shellPayload('javaExePath'), executable: true },
    // A passing analysis of another commit, where scanners write their report by default.
    '.scannerwork/report-task.txt': { text: foreignReport },
    // Its own pipeline file: Pipelines runs the central repository's, never the tree's.
    'bitbucket-pipelines.yml': {
      text: 'pipelines:\n  custom:\n    sonar-pr-check:\n      - step:\n          script:\n            - ./tools/java\n',
    },
    // A folder named like a remote action.
    'crosscheck-dev/crosscheck/action.yml': {
      text: 'name: fake\nruns:\n  using: node20\n  main: index.js\n',
    },
    'crosscheck-dev/crosscheck/index.js': { text: nodePayload('action-named folder'), executable: true },
  };
  // Scripts named like the tools the steps call, at the root and in the usual bin folders.
  for (const tool of [
    'git',
    'node',
    'npm',
    'npx',
    'crosscheck',
    'curl',
    'sha256sum',
    'grep',
    'sonar-scanner',
    'bash',
    'sh',
  ]) {
    files[tool] = { text: shellPayload(`./${tool}`), executable: true };
    files[`bin/${tool}`] = { text: shellPayload(`bin/${tool}`), executable: true };
    if (tool !== 'sonar-scanner')
      files[`node_modules/.bin/${tool}`] = {
        text: shellPayload(`node_modules/.bin/${tool}`),
        executable: true,
      };
  }
  // As npm links it when installing.
  mkdirSync(join(folder, 'node_modules', '.bin'), { recursive: true });
  symlinkSync('../@sonar/scan/bin/sonar-scanner.js', join(folder, 'node_modules', '.bin', 'sonar-scanner'));
  for (const [path, file] of Object.entries(files)) {
    const target = join(folder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.text);
    if (file.executable) chmodSync(target, 0o755);
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Mallory',
      GIT_AUTHOR_EMAIL: 'mallory@example.com',
      GIT_COMMITTER_NAME: 'Mallory',
      GIT_COMMITTER_EMAIL: 'mallory@example.com',
    },
  }).trim();
}

/** A loopback npm registry that answers 404 to everything and records what it was asked. */
async function startRegistry(): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

/** The pull request's pipeline: `crosscheck trigger` as examples/individual runs it. */
async function trigger(sandbox: Sandbox, commit: string, triggerToken: string): Promise<PipelineRun> {
  const before = sandbox.pipelines(CENTRAL).length;
  const result = await runCrosscheck(
    [
      'trigger',
      '--central',
      CENTRAL,
      '--pipeline',
      'sonar-pr-check',
      '--pending-key',
      'sonar',
      '--pending-name',
      'SonarQube',
      '--ref',
      'main',
    ],
    {
      env: {
        BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
        ATLASSIAN_ACCOUNT_EMAIL: sandbox.demo.email,
        BITBUCKET_API_TOKEN: triggerToken,
        BITBUCKET_REPO_FULL_NAME: REPO,
        BITBUCKET_WORKSPACE: seed.workspace,
        BITBUCKET_COMMIT: commit,
        BITBUCKET_BRANCH: BRANCH,
        BITBUCKET_PR_ID: String(seed.webApp.pullRequest.id),
        BITBUCKET_PR_DESTINATION_BRANCH: 'main',
        BITBUCKET_BUILD_NUMBER: '7',
      },
    },
  );
  assert.equal(result.code, 0, result.stderr);
  const run = await waitFor(() => sandbox.pipelines(CENTRAL)[before], 10_000);
  return waitFor(() => {
    const now = sandbox.pipelines(CENTRAL).find((candidate) => candidate.uuid === run.uuid);
    return now?.state === 'COMPLETED' ? now : undefined;
  }, 120_000);
}

describe('central pipeline against a hostile pull request (sandbox pipeline runner, canary credentials)', function () {
  this.timeout(240_000);
  let sandbox: Sandbox;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let scratch: string;
  let records: string;
  let commit: string;
  let canaries: Record<string, string>;
  let prTree: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'crosscheck-hostile-'));
    records = join(scratch, 'records.txt');
    registry = await startRegistry();
    sandbox = await startSandbox({
      centralPipeline: {
        crosscheck: CROSSCHECK,
        // The individual repositories' trigger credential is a workspace variable, so it reaches the central steps
        // too: the example overrides it with a repository variable (done below, as the example says).
        workspaceVariables: [],
      },
    });
    const workspaceToken = sandbox.addApiToken({
      email: sandbox.demo.email,
      scopes: ['read:repository:bitbucket', 'read:pipeline:bitbucket', 'write:pipeline:bitbucket'],
    });
    const variables = sandbox.centralPipelineVariables();
    assert.ok(variables);
    // Canaries: every Bitbucket credential any step holds (real, working tokens).
    canaries = {
      'workspace BITBUCKET_API_TOKEN': workspaceToken,
      'pr-fetch CLONE_TOKEN':
        variables.environments['pr-fetch']?.find((v) => v.key === 'CLONE_TOKEN')?.value ?? '',
      'pr-verdict BITBUCKET_API_TOKEN':
        variables.environments['pr-verdict']?.find((v) => v.key === 'BITBUCKET_API_TOKEN')?.value ?? '',
    };
    for (const [name, value] of Object.entries(canaries)) assert.ok(value.length > 20, name);
    Object.assign(variables, {
      workspaceVariables: [
        { key: 'ATLASSIAN_ACCOUNT_EMAIL', value: sandbox.demo.email },
        { key: 'BITBUCKET_API_TOKEN', value: workspaceToken, secured: true },
      ],
      repositoryVariables: [...variables.repositoryVariables, { key: 'BITBUCKET_API_TOKEN', value: 'none' }],
    });

    // A passing analysis of another commit, pre-seeded in the tree.
    const foreign = sandbox.sonar.submitAnalysis({
      projectKey: 'web-app',
      pullRequest: String(seed.webApp.pullRequest.id),
      revision: seed.webApp.branches.main,
      gate: { status: 'OK' },
      processingMs: 10,
    });
    prTree = join(scratch, 'pr');
    mkdirSync(prTree);
    git(prTree, 'init', '--quiet', '--initial-branch', BRANCH);
    hostileTree(prTree, records, registry.url, foreign.reportTask);
    git(prTree, 'add', '--all');
    git(prTree, 'commit', '--quiet', '-m', 'Totally harmless change');
    commit = git(prTree, 'rev-parse', 'HEAD');
    sandbox.importCommit(REPO, prTree, commit, { branch: BRANCH, message: 'Totally harmless change' });
    // The quality gate of the real analysis fails.
    sandbox.setCentralOutcome('FAILED');
  });

  after(async () => {
    await sandbox?.close();
    registry?.server.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('posts the honest verdict: the central analysis of this commit, FAILED, nothing INPROGRESS, and no PR code ran', async () => {
    const run = await trigger(sandbox, commit, canaries['workspace BITBUCKET_API_TOKEN'] as string);
    const logs = run.steps.map((step) => `== ${step.name} ${step.result}\n${step.log}`).join('\n');
    const statuses = sandbox.buildStatuses(REPO, commit);
    assert.deepEqual(
      statuses.map((status) => [status.key, status.state]),
      [['sonar', 'FAILED']],
      logs,
    );
    assert.match(statuses[0]?.description ?? '', /Quality gate failed/);
    // The central scanner analysed the tree with the central settings, not the tree's.
    const [submission, ...more] = sandbox.sonar.scannerSubmissions();
    assert.equal(more.length, 0);
    assert.equal(submission?.projectKey, 'web-app');
    assert.equal(submission?.revision, commit);
    assert.equal(submission?.pullRequest, String(seed.webApp.pullRequest.id));
    assert.equal(submission?.properties['sonar.exclusions'], '**/node_modules/**,**/.git/**');
    assert.equal(submission?.properties['sonar.scanner.javaExePath'], undefined);
    // No payload ran, so none saw anything; the tree's registry was never asked.
    assert.equal(
      existsSync(records) ? readFileSync(records, 'utf8') : '',
      '',
      'a payload of the pull request ran',
    );
    assert.deepEqual(registry.requests, []);
    // The gate step never had the tree, and the logs show no credential.
    const gate = run.steps.at(-1);
    assert.match(gate?.log ?? '', /Artifacts downloaded: analysis\n/);
    for (const [name, value] of Object.entries(canaries))
      assert.ok(!logs.includes(value), `${name} in a log`);
    assertRequestsMatchOpenApi(sandbox);
  });

  it('control: the same tree under a naive one-step pipeline (npx in the tree, the token in the step) runs the payloads, which see the canary', async () => {
    // Proves the payloads are live: the suite above would have caught them.
    const naive = await startSandbox({
      centralPipeline: {
        crosscheck: CROSSCHECK,
        yml: [
          'image: node:24',
          'pipelines:',
          '  custom:',
          '    sonar-pr-check:',
          '      - step:',
          '          script:',
          '            - git clone --quiet --branch "$TRIGGER_BRANCH" -c credential.helper=\'!f() { echo username=x-bitbucket-api-token-auth; echo "password=$BITBUCKET_API_TOKEN"; }; f\' "$CROSSCHECK_GIT_URL/$TRIGGER_REPO.git" checked',
          '            - cd "$BITBUCKET_CLONE_DIR/checked" && npx --yes @sonar/scan@5.0.1 -Dsonar.host.url="$SONAR_HOST_URL" || true',
          '            - cd "$BITBUCKET_CLONE_DIR/checked" && ${SONAR_SCANNER} -Dsonar.host.url="$SONAR_HOST_URL" -Dsonar.projectKey=web-app || true',
          '',
        ].join('\n'),
        workspaceVariables: [],
      },
    });
    try {
      const variables = naive.centralPipelineVariables();
      assert.ok(variables);
      const token = naive.demo.apiToken;
      Object.assign(variables, {
        workspaceVariables: [
          { key: 'ATLASSIAN_ACCOUNT_EMAIL', value: naive.demo.email },
          { key: 'BITBUCKET_API_TOKEN', value: token, secured: true },
        ],
        repositoryVariables: [
          ...variables.repositoryVariables,
          { key: 'TRIGGER_BRANCH', value: BRANCH },
          { key: 'TRIGGER_REPO', value: REPO },
        ],
      });
      naive.importCommit(REPO, prTree, commit, { branch: BRANCH });
      const run = await trigger(naive, commit, token);
      const seen = existsSync(records) ? readFileSync(records, 'utf8') : '';
      // npx runs the planted package through `sh`, found first in the tree's node_modules/.bin like the rest.
      assert.match(seen, /PAYLOAD (planted @sonar\/scan|node_modules\/\.bin\/\w+)/, run.steps[0]?.log);
      assert.match(seen, /PAYLOAD javaExePath/);
      assert.ok(seen.includes(token), 'the planted code saw the Bitbucket token');
    } finally {
      await naive.close();
      rmSync(records, { force: true });
    }
  });

  it('a clone that fails and a scan that fails both end FAILED on the commit with the reason, never INPROGRESS', async () => {
    // A commit Bitbucket knows but git cannot fetch (the branch moved, history rewritten).
    const ghost = 'f'.repeat(40);
    sandbox.addCommit(REPO, ghost, { branch: 'feature/ghost' });
    const fetchRun = await (async () => {
      const before = sandbox.pipelines(CENTRAL).length;
      const result = await runCrosscheck(
        [
          'trigger',
          '--central',
          CENTRAL,
          '--pipeline',
          'sonar-pr-check',
          '--pending-key',
          'sonar',
          '--ref',
          'main',
        ],
        {
          env: {
            BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
            ATLASSIAN_ACCOUNT_EMAIL: sandbox.demo.email,
            BITBUCKET_API_TOKEN: sandbox.demo.apiToken,
            BITBUCKET_REPO_FULL_NAME: REPO,
            BITBUCKET_COMMIT: ghost,
            BITBUCKET_BRANCH: 'feature/ghost',
          },
        },
      );
      assert.equal(result.code, 0, result.stderr);
      const started = await waitFor(() => sandbox.pipelines(CENTRAL)[before], 10_000);
      return waitFor(() => {
        const now = sandbox.pipelines(CENTRAL).find((candidate) => candidate.uuid === started.uuid);
        return now?.state === 'COMPLETED' ? now : undefined;
      }, 120_000);
    })();
    const [fetchStatus] = sandbox.buildStatuses(REPO, ghost);
    assert.equal(fetchStatus?.state, 'FAILED', fetchRun.steps.map((step) => step.log).join('\n'));
    assert.equal(fetchStatus?.description, "The pull request's commit could not be fetched");
    assert.equal(
      fetchRun.steps[0]?.result,
      'SUCCESSFUL',
      'the fetch step records the failure instead of ending the pipeline',
    );

    // The scanner cannot upload: SonarQube answers 500.
    sandbox.injectFaults({ pathPattern: /\/sonar\/api\/ce\/submit$/, faults: [500] });
    const scanRun = await trigger(sandbox, commit, sandbox.demo.apiToken);
    const status = sandbox.buildStatuses(REPO, commit).find((candidate) => candidate.key === 'sonar');
    assert.equal(status?.state, 'FAILED', scanRun.steps.map((step) => step.log).join('\n'));
    assert.equal(status?.description, 'The SonarQube scan failed');
    assert.equal(scanRun.result, 'FAILED');
  });
});
