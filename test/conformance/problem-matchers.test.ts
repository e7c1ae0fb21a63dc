// Problem matchers across a job, end to end: the real actions/setup-node registers them, a later plain `tsc` line
// becomes an annotation in --json and on the commit's Code Insights report (sandbox).
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { seed } from '../../src/sandbox';
import { REPO_ROOT, runCrosscheck } from '../support/cli';
import { isBitbucketApiRequest } from '../support/openapi';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';
import { prefilledToolCache } from '../support/tool-cache';
import { NODE24 } from '../actions/recording-log';

const MATCHERS = path.join(REPO_ROOT, 'test', 'fixtures', 'conformance', 'problem-matchers');
const SETUP_NODE = path.join(REPO_ROOT, 'test', 'fixtures', 'conformance', 'actions', 'setup-node');

describe('problem matchers in a Bitbucket step (CLI)', () => {
  const suite = useSandbox();
  let clone: string;
  let toolCache: string;
  before(() => {
    toolCache = prefilledToolCache([process.versions.node]);
    clone = mkdtempSync(path.join(tmpdir(), 'crosscheck-matchers-clone-'));
    mkdirSync(path.join(clone, '.git'));
    mkdirSync(path.join(clone, 'src'));
    writeFileSync(
      path.join(clone, 'src', 'app.ts'),
      'export const app = 2;\nconst unused: number = "text";\n',
    );
  });
  after(() => {
    rmSync(clone, { recursive: true, force: true });
    rmSync(toolCache, { recursive: true, force: true });
  });

  it("turns a later step's tsc line into an annotation in --json and on the commit's Code Insights report", async () => {
    const step = {
      ...apiTokenEnvironment(suite.sandbox),
      BITBUCKET_CLONE_DIR: clone,
      BITBUCKET_STEP_UUID: '{7e57e57e-0000-4000-8000-000000000019}',
    };
    const setup = await runCrosscheck(
      ['action', 'run', SETUP_NODE, '--with', `node-version=${process.versions.node}`],
      // setup-node v6 is a node24 action: CROSSCHECK_NODE, as on a node:20 image.
      { env: { ...step, RUNNER_TOOL_CACHE: toolCache, CROSSCHECK_NODE: NODE24 }, cwd: clone },
    );
    assert.equal(setup.code, 0, setup.stderr);
    const before = suite.sandbox.requests.length;
    const checked = await runCrosscheck(
      [
        '--json',
        'action',
        'run',
        path.join(MATCHERS, 'typecheck'),
        '--key',
        'types',
        '--repo',
        seed.webApp.fullName,
        '--commit',
        seed.webApp.pullRequest.sourceCommit,
        '--url',
        'https://ci.example.com/19',
      ],
      { env: step, cwd: clone },
    );
    assert.equal(checked.code, 2, `${checked.stdout}\n${checked.stderr}`);
    const document = JSON.parse(checked.stdout) as {
      annotations: Array<{ level: string; file?: string; line?: number; column?: number; message: string }>;
    };
    assert.deepEqual(
      document.annotations
        .filter((annotation) => annotation.file)
        .map(({ level, file, line, column, message }) => ({ level, file, line, column, message })),
      [
        {
          level: 'error',
          file: 'src/app.ts',
          line: 2,
          column: 7,
          message: "Type 'string' is not assignable to type 'number'.",
        },
      ],
    );
    const sent = suite.sandbox.requests
      .slice(before)
      .filter((request) => isBitbucketApiRequest(request.path));
    const annotations = sent.find((request) => request.path.endsWith('/reports/types/annotations'))?.body as
      Array<{ path: string; line: number; severity: string; summary: string }> | undefined;
    assert.ok(annotations, 'annotations were posted');
    assert.deepEqual(
      annotations.map(({ path: file, line, severity, summary }) => ({ file, line, severity, summary })),
      [
        {
          file: 'src/app.ts',
          line: 2,
          severity: 'HIGH',
          summary: "2322: Type 'string' is not assignable to type 'number'.",
        },
      ],
    );
    await runCrosscheck(['action', 'post'], { env: step, cwd: clone });
  });
});
