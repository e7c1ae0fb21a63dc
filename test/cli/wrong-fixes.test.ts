// Mistakes a newcomer makes get the fix that applies: a Data Center or /2.0-less API URL, a quoted token, a token
// kept from an action, and one "error:" per error.
import assert from 'node:assert/strict';
import { seed, type Sandbox } from '../../src/sandbox';
import { runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.pullRequest.sourceCommit;
const SET = ['status', 'set', '--repo', REPO, '--commit', COMMIT, '--key', 'fixes', '--state', 'passed'];

describe('wrong fixes a newcomer would have been given', function () {
  const suite = useSandbox();
  let sandbox: Sandbox;
  before(() => {
    sandbox = suite.sandbox;
  });
  const set = (env: Record<string, string>) =>
    runCrosscheck([...SET, '--url', 'https://ci.example.com/1'], {
      env: { ...apiTokenEnvironment(sandbox), ...env },
    });

  for (const path of ['/rest/api/1.0', '/rest/api/latest']) {
    it(`a Bitbucket Data Center URL (${path}) is refused before anything is sent: Crosscheck supports Cloud`, async () => {
      const before = sandbox.requests.length;
      const result = await set({ BITBUCKET_API_URL: `${sandbox.url}${path}` });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /Bitbucket Data Center \(Server\) REST URL/);
      assert.match(result.stderr, /fix: Use Bitbucket Cloud's API URL, https:\/\/api\.bitbucket\.org\/2\.0/);
      assert.doesNotMatch(result.stderr, /commit hash/);
      assert.equal(sandbox.requests.length, before);
    });
  }

  it('an API URL without /2.0 is named as such on its 404, not blamed on the commit hash', async () => {
    const result = await set({ BITBUCKET_API_URL: sandbox.url });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /the API URL http:\/\/127\.0\.0\.1:\d+\/ lacks \/2\.0/);
    assert.match(result.stderr, /fix: End the API URL with \/2\.0/);
    assert.doesNotMatch(result.stderr, /commit hash/);
  });

  it('api.bitbucket.org without /2.0 is refused before anything is sent', async () => {
    const result = await set({ BITBUCKET_API_URL: 'https://api.bitbucket.org' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /lacks \/2\.0/);
  });

  for (const quote of ['"', "'"]) {
    it(`a token wrapped in ${quote} quotes is named as such, nothing sent, the token not shown`, async () => {
      const before = sandbox.requests.length;
      const token = `${quote}${sandbox.demo.apiToken}${quote}`;
      const result = await set({ BITBUCKET_API_TOKEN: token });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /BITBUCKET_API_TOKEN starts with a quote/);
      assert.match(result.stderr, /fix: Set BITBUCKET_API_TOKEN to the bare value, without quotes/);
      assert.ok(!result.stderr.includes(sandbox.demo.apiToken.slice(5)), result.stderr);
      assert.equal(sandbox.requests.length, before);
    });
  }

  it('under an Actions runner, an email without a token says to pass the token to the action, with one "error"', async () => {
    const result = await runCrosscheck([...SET, '--url', 'https://ci.example.com/1'], {
      env: {
        GITHUB_ACTIONS: 'true',
        BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
        ATLASSIAN_ACCOUNT_EMAIL: sandbox.demo.email,
      },
    });
    assert.equal(result.code, 2, result.stdout);
    const annotation = result.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '';
    assert.match(annotation, /^::error::ATLASSIAN_ACCOUNT_EMAIL is set but no token is\./);
    assert.match(annotation, /--with-env api-token=BITBUCKET_API_TOKEN/);
    assert.match(annotation, /--env BITBUCKET_API_TOKEN/);
    assert.doesNotMatch(result.stdout + result.stderr, /error: error:/);
  });
});

describe('status set --from names what a line lacks by its JSON field', () => {
  it('a line without url, one without key, one with a bad repo: the field, the flag that could give it, no contradiction', async () => {
    const lines = [
      '{"key":"a","state":"passed"}',
      '{"state":"passed","url":"https://ci.example.com/1"}',
      '{"key":"b","state":"passed","url":"https://ci.example.com/1","repo":"bad"}',
    ].join('\n');
    const result = await runCrosscheck(['status', 'set', '--from', '-', '--repo', REPO, '--commit', COMMIT], {
      stdin: lines,
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /line 1: url \(or --url\) is required outside a CI run\./);
    assert.match(result.stderr, /line 2: key \(or --key\) is required\./);
    assert.match(result.stderr, /line 3: repo "bad" is not of the form workspace\/repo\./);
    assert.doesNotMatch(result.stderr, /optionally[^.]*url/);
  });
});
