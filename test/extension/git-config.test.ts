// Remotes read from .git/config text, as Crosscheck does in Restricted Mode where the git extension is off.
import assert from 'node:assert/strict';
import { remotesFromGitConfig } from '../../src/extension/model/git-config';
import { pickBitbucketRemote } from '../../src/extension/model/remote';

describe('remotesFromGitConfig', () => {
  it('reads every remote with its fetch and push URLs, skipping comments and other sections', () => {
    const text = [
      '[core]',
      '\trepositoryformatversion = 0',
      '[remote "origin"]',
      '\turl = git@bitbucket.org:acme/web-app.git',
      '\tfetch = +refs/heads/*:refs/remotes/origin/*',
      '; a comment',
      '[remote "mirror"]',
      '\tURL = "https://github.com/acme/web-app.git" # trailing comment',
      '\tpushurl = https://bitbucket.org/acme/mirror.git',
      '[branch "main"]',
      '\tremote = origin',
    ].join('\n');
    assert.deepEqual(remotesFromGitConfig(text), [
      { name: 'origin', fetchUrl: 'git@bitbucket.org:acme/web-app.git' },
      {
        name: 'mirror',
        fetchUrl: 'https://github.com/acme/web-app.git',
        pushUrl: 'https://bitbucket.org/acme/mirror.git',
      },
    ]);
  });

  it('finds the Bitbucket repository among them', () => {
    const remotes = remotesFromGitConfig(
      '[remote "upstream"]\n url = https://bitbucket.org/acme/central-checks.git\n',
    );
    assert.deepEqual(pickBitbucketRemote(remotes)?.repo, { workspace: 'acme', slug: 'central-checks' });
  });

  it('returns nothing for a config without remotes', () => {
    assert.deepEqual(remotesFromGitConfig('[core]\n bare = false\n'), []);
  });
});
