// Remote URL parsing and remote choice: every form git accepts for Bitbucket Cloud, and what is not Bitbucket.
import * as assert from 'node:assert/strict';
import { parseBitbucketRemote, pickBitbucketRemote } from '../../src/extension/model/remote';

describe('parseBitbucketRemote', () => {
  const found: Array<[string, string]> = [
    ['git@bitbucket.org:acme/web-app.git', 'acme/web-app'],
    ['git@bitbucket.org:acme/web-app', 'acme/web-app'],
    ['bitbucket.org:acme/web-app.git', 'acme/web-app'],
    ['ssh://git@bitbucket.org/acme/web-app.git', 'acme/web-app'],
    ['ssh://git@bitbucket.org:22/acme/web-app.git', 'acme/web-app'],
    ['ssh://git@altssh.bitbucket.org:443/acme/web-app.git', 'acme/web-app'],
    ['git+ssh://git@bitbucket.org/acme/web-app.git', 'acme/web-app'],
    ['https://bitbucket.org/acme/web-app.git', 'acme/web-app'],
    ['https://dana@bitbucket.org/acme/web-app.git', 'acme/web-app'],
    ['https://x-token-auth:ATCTT3xFfGF0secret@bitbucket.org/acme/web-app.git', 'acme/web-app'],
    ['https://bitbucket.org/acme/web-app/', 'acme/web-app'],
    ['https://www.bitbucket.org/acme/web-app', 'acme/web-app'],
    ['HTTPS://BITBUCKET.ORG/Acme/Web.App.git', 'Acme/Web.App'],
    ['  git@bitbucket.org:acme/my_repo-2.git\n', 'acme/my_repo-2'],
  ];
  for (const [url, expected] of found) {
    it(`reads ${JSON.stringify(url)} as ${expected}`, () => {
      const repo = parseBitbucketRemote(url);
      assert.ok(repo, 'expected a repository');
      assert.equal(`${repo.workspace}/${repo.slug}`, expected);
    });
  }

  const refused = [
    'git@github.com:acme/web-app.git',
    'https://gitlab.com/acme/web-app.git',
    'https://bitbucket.org.evil.example/acme/web-app.git',
    'https://evil.example/bitbucket.org/acme/web-app.git',
    'https://bitbucket.org/acme',
    'https://bitbucket.org/acme/web-app/src/main',
    'https://bitbucket.org/../web-app',
    'https://bitbucket.org/acme/..',
    'git@bitbucket.org:acme/...git',
    'git@bitbucket.org:./web-app.git',
    'file:///srv/git/web-app.git',
    '/srv/git/web-app.git',
    'C:\\repos\\web-app',
    '',
    'not a url',
  ];
  for (const url of refused) {
    it(`refuses ${JSON.stringify(url)}`, () => {
      assert.equal(parseBitbucketRemote(url), undefined);
    });
  }
});

describe('pickBitbucketRemote', () => {
  const remotes = [
    { name: 'github', fetchUrl: 'git@github.com:acme/web-app.git' },
    { name: 'fork', fetchUrl: 'git@bitbucket.org:dana/web-app.git' },
    { name: 'origin', fetchUrl: 'https://bitbucket.org/acme/web-app.git' },
  ];

  it('prefers the remote the branch tracks', () => {
    assert.deepEqual(pickBitbucketRemote(remotes, 'fork'), {
      remote: 'fork',
      repo: { workspace: 'dana', slug: 'web-app' },
    });
  });

  it('falls back to origin, then to the first Bitbucket remote', () => {
    assert.equal(pickBitbucketRemote(remotes)?.remote, 'origin');
    assert.equal(pickBitbucketRemote(remotes, 'github')?.remote, 'origin');
    assert.equal(pickBitbucketRemote(remotes.slice(0, 2))?.remote, 'fork');
  });

  it('reads the push URL when the fetch URL is not Bitbucket', () => {
    const found = pickBitbucketRemote([
      { name: 'mirror', fetchUrl: '/srv/mirror.git', pushUrl: 'git@bitbucket.org:acme/web-app.git' },
    ]);
    assert.deepEqual(found, { remote: 'mirror', repo: { workspace: 'acme', slug: 'web-app' } });
  });

  it('finds nothing without a Bitbucket remote', () => {
    assert.equal(
      pickBitbucketRemote([{ name: 'origin', fetchUrl: 'git@github.com:acme/web-app.git' }]),
      undefined,
    );
    assert.equal(pickBitbucketRemote([]), undefined);
  });
});
