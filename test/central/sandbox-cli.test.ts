// `crosscheck sandbox` from the bundle: a trigger of the central repository runs the bundled central pipeline for real; --canned-outcome is the documented old stand-in.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed, startSandbox } from '../../src/sandbox';
import { runCrosscheck, type CliResult } from '../support/cli';

interface Served {
  url: string;
  bitbucketApiUrl: string;
  demo: { email: string; apiToken: string };
}

/** Starts `crosscheck sandbox --port 0 --json ARGS…` and resolves once it printed where it listens. */
async function serve(args: string[]): Promise<{ info: Served; stop: () => Promise<CliResult> }> {
  let child: ChildProcess | undefined;
  let stdout = '';
  const done = runCrosscheck(['sandbox', '--port', '0', '--json', ...args], {
    onSpawn: (spawned) => {
      child = spawned;
      spawned.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    },
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    // With --json, stdout is the one JSON document (pretty-printed): complete once it parses.
    let parsed: Served | undefined;
    try {
      parsed = JSON.parse(stdout) as Served;
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      // The demo credentials are seeded (the same in every sandbox); the CLI may mask them in its output.
      const info = { ...parsed, demo: await seededDemo() };
      return {
        info,
        stop: () => {
          child?.kill('SIGINT');
          return done;
        },
      };
    }
    if (Date.now() > deadline) {
      child?.kill('SIGKILL');
      throw new Error(`the sandbox did not start: ${stdout}\n${(await done).stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const PR = seed.webApp.pullRequest;

async function seededDemo(): Promise<Served['demo']> {
  const sandbox = await startSandbox();
  const { email, apiToken } = sandbox.demo;
  await sandbox.close();
  return { email, apiToken };
}

function triggerPr7(info: Served): Promise<CliResult> {
  return runCrosscheck(
    [
      'trigger',
      '--central',
      seed.centralChecks.fullName,
      '--pipeline',
      'sonar-pr-check',
      '--pending-key',
      'sonar',
      '--ref',
      'main',
      '--wait',
    ],
    {
      env: {
        BITBUCKET_API_URL: info.bitbucketApiUrl,
        ATLASSIAN_ACCOUNT_EMAIL: info.demo.email,
        BITBUCKET_API_TOKEN: info.demo.apiToken,
        BITBUCKET_REPO_FULL_NAME: seed.webApp.fullName,
        BITBUCKET_COMMIT: PR.sourceCommit,
        BITBUCKET_BRANCH: PR.source,
        BITBUCKET_PR_ID: String(PR.id),
        BITBUCKET_PR_DESTINATION_BRANCH: PR.destination,
      },
    },
  );
}

async function sonarStatus(info: Served): Promise<{ state: string; description: string }> {
  const response = await fetch(
    `${info.bitbucketApiUrl}/repositories/${seed.webApp.fullName}/commit/${PR.sourceCommit}/statuses/build/sonar`,
    {
      headers: {
        authorization: `Basic ${Buffer.from(`${info.demo.email}:${info.demo.apiToken}`).toString('base64')}`,
      },
    },
  );
  return (await response.json()) as { state: string; description: string };
}

describe('crosscheck sandbox (the bundle, as users run it)', function () {
  this.timeout(120_000);

  it('runs the bundled central pipeline on a trigger: the gate step posts the verdict on PR #7', async () => {
    const { info, stop } = await serve([]);
    try {
      const triggered = await triggerPr7(info);
      assert.equal(triggered.code, 0, `${triggered.stdout}\n${triggered.stderr}`);
      const status = await sonarStatus(info);
      assert.equal(status.state, 'SUCCESSFUL', JSON.stringify(status));
      assert.equal(status.description, 'Quality gate passed');
    } finally {
      const stopped = await stop();
      assert.equal(stopped.code, 0, stopped.stderr);
    }
  });

  it('--canned-outcome failed runs nothing and posts FAILED; --pipeline-file plays another file; bad values exit 2', async () => {
    const { info, stop } = await serve(['--canned-outcome', 'failed']);
    try {
      const triggered = await triggerPr7(info);
      assert.equal(triggered.code, 1, triggered.stderr);
      assert.equal((await sonarStatus(info)).state, 'FAILED');
    } finally {
      await stop();
    }
    const bad = await runCrosscheck(['sandbox', '--port', '0', '--canned-outcome', 'maybe']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--canned-outcome "maybe" is not failed or successful/);
    const help = await runCrosscheck(['sandbox', '--help']);
    assert.match(help.stdout, /--canned-outcome <state>/);
    assert.match(help.stdout, /--pipeline-file <path>/);

    const folder = mkdtempSync(join(tmpdir(), 'crosscheck-pipeline-file-'));
    try {
      writeFileSync(
        join(folder, 'bitbucket-pipelines.yml'),
        [
          'pipelines:',
          '  custom:',
          '    sonar-pr-check:',
          '      - step:',
          '          script:',
          '            - echo "this file, not the example" && exit 3',
          '',
        ].join('\n'),
      );
      const other = await serve(['--pipeline-file', join(folder, 'bitbucket-pipelines.yml')]);
      try {
        const triggered = await triggerPr7(other.info);
        assert.equal(triggered.code, 1, triggered.stderr);
        assert.match(`${triggered.stdout}${triggered.stderr}`, /FAILED/);
      } finally {
        await other.stop();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
