// Choosing the repository (active editor wins, multi-root) and telling whether HEAD is on Bitbucket yet.
import * as assert from 'node:assert/strict';
import {
  chooseRepository,
  contextKey,
  isInside,
  pushedHead,
  repoContextOf,
} from '../../src/extension/model/repository';
import { aContext, HEAD } from './support/builders';

describe('repoContextOf', () => {
  it('takes the Bitbucket remote the branch tracks and the HEAD the git extension reports', () => {
    const context = repoContextOf({
      root: '/work/web-app',
      remotes: [
        { name: 'origin', fetchUrl: 'git@bitbucket.org:acme/web-app.git' },
        { name: 'fork', fetchUrl: 'git@bitbucket.org:dana/web-app.git' },
      ],
      head: {
        name: 'feature/login',
        commit: HEAD.toUpperCase(),
        upstream: { remote: 'fork', name: 'feature/login' },
        ahead: 0,
      },
    });
    assert.deepEqual(context, {
      root: '/work/web-app',
      remote: 'fork',
      repo: { workspace: 'dana', slug: 'web-app' },
      branch: 'feature/login',
      commit: HEAD,
      upstream: 'fork/feature/login',
      ahead: 0,
    });
  });

  it('is undefined for a repository without a Bitbucket remote', () => {
    assert.equal(
      repoContextOf({ root: '/work/x', remotes: [{ name: 'origin', fetchUrl: 'git@github.com:a/b.git' }] }),
      undefined,
    );
  });
});

describe('chooseRepository', () => {
  const outer = { root: '/work/mono' };
  const inner = { root: '/work/mono/packages/web' };
  const other = { root: '/work/other' };
  const all = [outer, inner, other];

  it("picks the active editor's repository, the innermost when nested", () => {
    assert.equal(chooseRepository(all, '/work/other/src/a.ts'), other);
    assert.equal(chooseRepository(all, '/work/mono/packages/web/src/a.ts'), inner);
    assert.equal(chooseRepository(all, '/work/mono/README.md'), outer);
  });

  it('keeps the previous choice when the active editor is outside every repository, else takes the first', () => {
    assert.equal(chooseRepository(all, '/tmp/scratch.txt', '/work/other'), other);
    assert.equal(chooseRepository(all, undefined, '/work/other/'), other);
    assert.equal(chooseRepository(all, undefined, '/work/gone'), outer);
    assert.equal(chooseRepository([], '/work/other/a.ts'), undefined);
  });

  it('does not take a sibling with a common prefix for a parent', () => {
    assert.equal(isInside('/work/mono', '/work/monolith/a.ts'), false);
    assert.equal(isInside('/work/mono', '/work/mono'), true);
  });

  it('compares Windows paths whatever the separators and drive letter case', () => {
    assert.equal(isInside('C:\\Users\\dana\\web-app', 'c:/users/dana/web-app/src/a.ts'), true);
  });
});

describe('pushedHead', () => {
  it('accepts a pushed HEAD on a branch', () => {
    const head = pushedHead(aContext());
    assert.ok('context' in head);
    assert.equal(head.context.commit, HEAD);
  });

  const problems: Array<[string, Parameters<typeof aContext>[0], RegExp, RegExp]> = [
    ['no commit', { commit: undefined }, /has no commit yet/, /Commit and push to acme\/web-app/],
    ['detached HEAD', { branch: undefined }, /HEAD \(aaaaaaa\) is detached/, /check out the branch/],
    [
      'branch never pushed',
      { upstream: undefined },
      /has not been pushed to acme\/web-app/,
      /git push -u origin feature\/login/,
    ],
    ['commits not pushed', { ahead: 2 }, /2 commits ahead of origin\/feature\/login/, /Push first/],
  ];
  for (const [name, overrides, message, hint] of problems) {
    it(`says what to do for ${name}`, () => {
      const head = pushedHead(aContext(overrides));
      assert.ok('problem' in head, 'expected a problem');
      assert.match(head.problem.message, message);
      assert.match(head.problem.hint, hint);
    });
  }
});

describe('contextKey', () => {
  it('changes with the branch, HEAD and push state, not otherwise', () => {
    const key = contextKey(aContext());
    assert.equal(contextKey(aContext()), key);
    assert.notEqual(contextKey(aContext({ commit: 'b'.repeat(40) })), key);
    assert.notEqual(contextKey(aContext({ branch: 'main' })), key);
    assert.notEqual(contextKey(aContext({ ahead: 1 })), key);
    assert.equal(contextKey(undefined), '');
  });
});
