// An action that needs GitHub's services (artifacts, cache, API) gets one line saying what to use in Bitbucket instead.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../../src/runner/action-engine/action-runner';
import { GitHubServiceHints } from '../../src/runner/action-engine/github-services';
import { RecordingLog, minimalEnv } from './recording-log';

describe("actions that need GitHub's services", () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-services-'));
  });
  afterEach(() => fs.rm(scratch, { recursive: true, force: true }));

  it('recognises the toolkit messages of upload-artifact, cache and Octokit, once per service', () => {
    const hints = new GitHubServiceHints();
    assert.match(
      hints.check('::error::Unable to get the ACTIONS_RUNTIME_TOKEN env variable') ?? '',
      /artifacts:/,
    );
    assert.equal(hints.check('Error: Unable to get the ACTIONS_RUNTIME_TOKEN env variable'), undefined);
    assert.match(
      hints.check(
        '::warning::An internal error has occurred in cache backend. Please check https://www.githubstatus.com/ for any ongoing issue in actions.',
      ) ?? '',
      /caches:/,
    );
    assert.match(hints.check('Error: getaddrinfo ENOTFOUND api.github.com') ?? '', /GitHub's API/);
    assert.equal(hints.check('all good'), undefined);
  });

  it('adds the hint to the run as a warning, with the action failing as it does on GitHub', async () => {
    const action = path.join(scratch, 'upload');
    await fs.mkdir(action);
    await fs.writeFile(
      path.join(action, 'action.yml'),
      'name: Upload\nruns:\n  using: node20\n  main: main.js\n',
    );
    await fs.writeFile(
      path.join(action, 'main.js'),
      "console.log('::error::Unable to get the ACTIONS_RUNTIME_TOKEN env variable');\nprocess.exitCode = 1;\n",
    );
    const log = new RecordingLog();
    const result = await runAction({ actionPath: action, inputs: {}, env: minimalEnv(), cwd: scratch, log });
    assert.equal(result.result, 'failure');
    assert.deepEqual(
      result.annotations.map(({ level, source }) => `${source}:${level}`),
      ['action:error', 'runner:warning'],
    );
    assert.match(result.annotations[1]!.message, /^This action needs GitHub's artifact service.*artifacts:/);
    assert.doesNotMatch(result.annotations[1]!.message, /\n/);
  });
});
