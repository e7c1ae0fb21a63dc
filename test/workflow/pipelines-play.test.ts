// Plays a drawn bitbucket-pipelines.yml as Pipelines runs it: each step in a fresh clone, artifacts carried forward.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { CLI_PATH, REPO_ROOT, runCrosscheck } from '../support/cli';
import { GitFixtureHost } from '../support/git-server';
import { downloadsRefused, prefilledToolCache } from '../support/tool-cache';
import { NODE24 } from '../actions/recording-log';
import { pipelinesClone } from './bitbucket-clone';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'workflows');
/** The real actions/setup-node (v6.5.0, vendored in the conformance corpus), served under the tags the workflows name. */
const SETUP_NODE = join(REPO_ROOT, 'test', 'fixtures', 'conformance', 'actions', 'setup-node');
const INSTALL =
  /^\[ "\$\(crosscheck --version 2>\/dev\/null\)" = [\w.-]+ \] \|\| npm install --global --offline tools\/crosscheck-[\w.-]+\.tgz$/;

type Step = { name: string; script: string[]; artifacts?: string[] };
type Entry = { step?: Step; parallel?: Array<{ step: Step }> };

interface Played {
  name: string;
  output: string;
}

/**
 * Runs the steps of `entries` one after another (parallel ones too), each in a fresh clone made as Bitbucket makes it,
 * with the artifacts of the earlier steps restored. A `crosscheck` on PATH runs this build (as the sandbox's pipeline
 * runner does), so the pinned install line finds the version it asks for.
 */
function play(
  entries: Entry[],
  sources: string[],
  env: Record<string, string>,
  kind: 'push' | 'pull-request' = 'push',
): Played[] {
  const artifacts = mkdtempSync(join(tmpdir(), 'crosscheck-artifacts-'));
  const bin = mkdtempSync(join(tmpdir(), 'crosscheck-bin-'));
  writeFileSync(join(bin, 'crosscheck'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`);
  chmodSync(join(bin, 'crosscheck'), 0o755);
  const played: Played[] = [];
  const steps = entries.flatMap((entry) =>
    entry.step ? [entry.step] : (entry.parallel ?? []).map((p) => p.step),
  );
  steps.forEach((step, index) => {
    const clone = pipelinesClone(sources, kind);
    cpSync(artifacts, clone.directory, { recursive: true });
    // The install line runs too: the `crosscheck` on PATH is this build, of the version it pins, so npm is not run.
    const script = step.script;
    assert.match(script[0] ?? '', INSTALL);
    const ran = spawnSync('bash', ['-e', '-c', script.join('\n')], {
      cwd: clone.directory,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: process.env.HOME,
        ...clone.env,
        BITBUCKET_STEP_UUID: `{00000000-0000-4000-8000-${String(index).padStart(12, '0')}}`,
        ...env,
      },
      encoding: 'utf8',
    });
    const output = `${ran.stdout}${ran.stderr}`;
    assert.equal(ran.status, 0, `step '${step.name}' failed:\n${output}`);
    played.push({ name: step.name, output });
    for (const pattern of step.artifacts ?? []) {
      const file = join(clone.directory, pattern);
      assert.ok(existsSync(file), `step '${step.name}' left its artifact ${pattern}`);
      mkdirSync(dirname(join(artifacts, pattern)), { recursive: true });
      cpSync(file, join(artifacts, pattern));
    }
  });
  return played;
}

describe('a drawn bitbucket-pipelines.yml, played step by step', function () {
  this.timeout(180_000);
  let host: GitFixtureHost;
  let env: Record<string, string>;
  before(async () => {
    host = new GitFixtureHost();
    host.commit('actions', 'setup-node', [SETUP_NODE]);
    host.tag('actions', 'setup-node', 'v2');
    // setup-node v6 is a node24 action and the tests run on Node.js 20, as a node:20 image would: CROSSCHECK_NODE.
    env = {
      ...(await downloadsRefused()),
      CROSSCHECK_NODE: NODE24,
      RUNNER_TOOL_CACHE: prefilledToolCache(['12.22.12', '14.21.3', '16.20.2']),
      CROSSCHECK_ACTIONS_URL: host.fileUrl,
      CROSSCHECK_ACTIONS_CACHE: mkdtempSync(join(tmpdir(), 'crosscheck-actions-')),
    };
  });
  after(() => host.dispose());

  async function draw(folder: string, file: string): Promise<Record<string, Record<string, Entry[]>>> {
    const result = await runCrosscheck(['workflow', 'pipelines', `.github/workflows/${file}`], {
      cwd: join(FIXTURES, folder),
    });
    assert.equal(result.code, 0, result.stderr);
    return (parse(result.stdout) as { pipelines: Record<string, Record<string, Entry[]>> }).pipelines;
  }

  it("runs GitHub's starter Node.js CI pull-request pipeline: one step per Node.js version", async () => {
    const pipelines = await draw('starter-node-ci', 'node.js.yml');
    const played = play(
      pipelines['pull-requests']!['**']!,
      [join(FIXTURES, 'starter-node-ci')],
      env,
      'pull-request',
    );
    assert.deepEqual(
      played.map((step) => step.name),
      ['build (node-version=12.x)', 'build (node-version=14.x)', 'build (node-version=16.x)'],
    );
    assert.match(played[2]!.output, /tool cache on PATH .*\/node\/16\.20\.2\//);
    assert.match(played[0]!.output, /merged with its destination; nothing to fetch/);
  });

  it('runs the release pipeline on main: the version step leaves its outputs as an artifact the publish step needs', async () => {
    const pipelines = await draw('release-outputs', 'release.yml');
    const played = play(pipelines.branches!.main!, [join(FIXTURES, 'release-outputs')], {
      ...env,
      PUBLISH_TOKEN: 'secured-publish-token',
      REGISTRY: 'npm.example.com',
    });
    assert.deepEqual(
      played.map((step) => step.name),
      ['version', 'publish'],
    );
    assert.match(played[1]!.output, /publishing web-app 1\.2\.3-[0-9a-f]{7} on stable to npm\.example\.com/);
    assert.match(played[1]!.output, /token is \*\*\*/);
    assert.doesNotMatch(played[1]!.output, /secured-publish-token/);
  });
});
