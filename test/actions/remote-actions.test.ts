// Remote actions over real git: file:// and loopback HTTP (git http-backend), the commit cache, offline runs, deadlines.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ActionDefinitionError } from '../../src/runner/action-engine/action-definition';
import {
  parseActionReference,
  type RemoteActionReference,
} from '../../src/runner/action-engine/action-reference';
import {
  ActionFetchError,
  RemoteActions,
  type RemoteActionsOptions,
} from '../../src/runner/action-engine/remote-actions';
import { runAction } from '../../src/runner/action-engine';
import { GitFixtureHost, startGitHttpServer, type GitHttpServer } from '../support/git-server';
import { FIXTURES, RecordingLog, minimalEnv } from './recording-log';

const GREETER = path.join(FIXTURES, 'remote', 'greeter');

function remote(text: string): RemoteActionReference {
  const reference = parseActionReference(text);
  assert.equal(reference.kind, 'remote');
  return reference;
}

describe('remote actions', () => {
  let host: GitFixtureHost;
  let scratch: string;
  let version: string;
  let progress: string[];

  /** A commit of acme/greeter whose version.txt says `label`. */
  function publish(label: string, owner = 'acme', repo = 'greeter'): string {
    writeFileSync(path.join(version, 'version.txt'), `${label}\n`);
    return host.commit(owner, repo, [GREETER, version], label);
  }

  function actions(options: Partial<RemoteActionsOptions> = {}): RemoteActions {
    return new RemoteActions({
      actionsUrl: host.fileUrl,
      cacheDirectory: path.join(scratch, 'cache'),
      env: minimalEnv({ HOME: scratch }),
      progress: (message) => progress.push(message),
      ...options,
    });
  }

  async function runGreeter(uses: string, remoteActions: RemoteActions) {
    const log = new RecordingLog();
    const result = await runAction({
      actionPath: uses,
      remoteActions,
      inputs: { who: 'pipelines' },
      env: minimalEnv(),
      cwd: scratch,
      log,
    });
    return { result, log };
  }

  beforeEach(() => {
    host = new GitFixtureHost();
    scratch = mkdtempSync(path.join(tmpdir(), 'crosscheck-remote-'));
    version = mkdtempSync(path.join(tmpdir(), 'crosscheck-version-'));
    progress = [];
  });
  afterEach(() => {
    host.dispose();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(version, { recursive: true, force: true });
  });

  describe('over file://', () => {
    it('fetches a tag, runs the action, and runs it from the cache the next time without fetching', async () => {
      const commit = publish('v1.0.0');
      host.tag('acme', 'greeter', 'v1');
      const first = await runGreeter('acme/greeter@v1', actions());
      assert.equal(first.result.result, 'success', first.log.text());
      assert.deepEqual(first.log.lines(), ['hello pipelines from v1.0.0']);
      assert.equal(first.result.outputs.greeting, 'hello pipelines from v1.0.0');
      assert.deepEqual(first.result.action.remote, {
        repository: 'acme/greeter',
        ref: 'v1',
        commit,
        source: 'fetched',
      });
      assert.ok(progress.some((line) => line.startsWith('Fetching acme/greeter@v1')));
      progress = [];
      const second = await runGreeter('acme/greeter@v1', actions());
      assert.equal(second.result.action.remote?.source, 'cache');
      assert.ok(!progress.some((line) => line.startsWith('Fetching')), progress.join('\n'));
    });

    it('re-resolves a tag that moved while the host is reachable', async () => {
      publish('v1.0.0');
      host.tag('acme', 'greeter', 'v1');
      await runGreeter('acme/greeter@v1', actions());
      const moved = publish('v1.0.1');
      host.tag('acme', 'greeter', 'v1');
      const { result, log } = await runGreeter('acme/greeter@v1', actions());
      assert.deepEqual(log.lines(), ['hello pipelines from v1.0.1']);
      assert.equal(result.action.remote?.commit, moved);
      assert.ok(
        progress.some((line) => /moved from .* to /.test(line)),
        progress.join('\n'),
      );
    });

    it('runs the cached commit of a ref, with a notice, when the host is gone', async () => {
      const commit = publish('v1.0.0');
      host.tag('acme', 'greeter', 'v1');
      await runGreeter('acme/greeter@v1', actions());
      renameSync(host.root, `${host.root}.gone`);
      try {
        progress = [];
        const { result, log } = await runGreeter('acme/greeter@v1', actions());
        assert.equal(result.result, 'success');
        assert.deepEqual(log.lines(), ['hello pipelines from v1.0.0']);
        assert.equal(result.action.remote?.commit, commit);
        assert.ok(
          progress.some((line) => line.startsWith('notice:') && line.includes(commit)),
          progress.join('\n'),
        );
        // A ref never fetched has nothing to fall back on.
        await assert.rejects(runGreeter('acme/greeter@main', actions()), ActionDefinitionError);
      } finally {
        renameSync(`${host.root}.gone`, host.root);
      }
    });

    it('runs a SHA-pinned action (branch tip moved on) and, once cached, needs no host at all', async () => {
      const pinned = publish('pinned');
      publish('later');
      const { log } = await runGreeter(`acme/greeter@${pinned}`, actions());
      assert.deepEqual(log.lines(), ['hello pipelines from pinned']);
      renameSync(host.root, `${host.root}.gone`);
      try {
        progress = [];
        const again = await runGreeter(`acme/greeter@${pinned}`, actions());
        assert.deepEqual(again.log.lines(), ['hello pipelines from pinned']);
        assert.deepEqual(progress, [], 'a cached SHA is used without asking the host');
      } finally {
        renameSync(`${host.root}.gone`, host.root);
      }
    });

    it('runs an action from a folder inside the repository (owner/repo/path@ref) and a branch', async () => {
      writeFileSync(path.join(version, 'version.txt'), 'mono\n');
      const work = mkdtempSync(path.join(tmpdir(), 'crosscheck-mono-'));
      try {
        const nested = path.join(work, 'actions', 'greeter');
        cpSync(GREETER, nested, { recursive: true });
        cpSync(path.join(version, 'version.txt'), path.join(nested, 'version.txt'));
        host.commit('acme', 'tools', [work]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      const { log } = await runGreeter('acme/tools/actions/greeter@main', actions());
      assert.deepEqual(log.lines(), ['hello pipelines from mono']);
      await assert.rejects(
        runGreeter('acme/tools/actions/missing@main', actions()),
        (error: Error) =>
          error instanceof ActionDefinitionError &&
          /folder 'actions\/missing' does not exist/.test(error.message),
      );
    });

    it('says what is wrong with an unknown repository, an unknown ref and a short SHA (usage errors)', async () => {
      const commit = publish('v1');
      await assert.rejects(actions().fetch(remote('acme/nothing@v1')), (error: Error) => {
        assert.ok(error instanceof ActionDefinitionError);
        assert.match(error.message, /repository acme\/nothing not found/);
        return true;
      });
      await assert.rejects(actions().fetch(remote('acme/greeter@v9')), /has no tag or branch 'v9'/);
      await assert.rejects(
        actions().fetch(remote(`acme/greeter@${commit.slice(0, 7)}`)),
        /shortened commit SHA.*full 40-character/,
      );
      await assert.rejects(actions().fetch(remote(`acme/greeter@${'0'.repeat(40)}`)), ActionDefinitionError);
    });
  });

  describe('over HTTP (git http-backend on loopback)', () => {
    let server: GitHttpServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('takes the full-URL form https://host/owner/repo@ref, sending no credential, and falls back to the cache once the host is down', async () => {
      const commit = publish('v2.0.0');
      host.tag('acme', 'greeter', 'v2');
      server = await startGitHttpServer(host.root);
      const uses = `${server.url}/acme/greeter@v2`;
      const first = await runGreeter(uses, actions({ actionsUrl: 'https://github.invalid' }));
      assert.deepEqual(first.log.lines(), ['hello pipelines from v2.0.0']);
      assert.ok(server.requests.length > 0);
      assert.ok(server.requests.every((request) => request.authorization === undefined));
      await server.close();
      server = undefined;
      progress = [];
      const offline = await runGreeter(uses, actions({ actionsUrl: 'https://github.invalid' }));
      assert.equal(offline.result.action.remote?.commit, commit);
      assert.ok(
        progress.some((line) => line.startsWith('notice:')),
        progress.join('\n'),
      );
    });

    it('sends a given credential as a Basic header to the actions host only, never in the URL or argv', async () => {
      publish('private');
      host.tag('acme', 'greeter', 'v1');
      const authorization = `Basic ${Buffer.from('x-access-token:s3cr3t-token').toString('base64')}`;
      server = await startGitHttpServer(host.root, { authorization });
      await assert.rejects(actions({ actionsUrl: server.url }).fetch(remote('acme/greeter@v1')), /not found/);
      const { log } = await runGreeter(
        'acme/greeter@v1',
        actions({
          actionsUrl: server.url,
          credential: { username: 'x-access-token', token: 's3cr3t-token' },
        }),
      );
      assert.deepEqual(log.lines(), ['hello pipelines from private']);
      assert.ok(server.requests.some((request) => request.authorization === authorization));
      assert.ok(server.requests.every((request) => !request.path.includes('s3cr3t')));
      assert.ok(!progress.join('\n').includes('s3cr3t'));
    });

    it('gives up on a host that never answers within the deadline (exit 1, not a hang)', async () => {
      const sockets: import('node:net').Socket[] = [];
      const silent = http.createServer(() => undefined);
      silent.on('connection', (socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const started = Date.now();
      try {
        await assert.rejects(
          actions({ actionsUrl: url, resolveTimeoutMs: 1000 }).fetch(remote('acme/greeter@v1')),
          (error: Error) => error instanceof ActionFetchError && /no answer within 1 s/.test(error.message),
        );
        assert.ok(Date.now() - started < 10_000);
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    });
  });
});

describe('parseActionReference', () => {
  it('reads local paths, owner/repo@ref, sub-paths and full URLs', () => {
    assert.deepEqual(parseActionReference('./checks/lint'), { kind: 'local', path: './checks/lint' });
    assert.deepEqual(parseActionReference('actions/setup-node@v4'), {
      kind: 'remote',
      owner: 'actions',
      repo: 'setup-node',
      subPath: '',
      ref: 'v4',
      text: 'actions/setup-node@v4',
    });
    assert.equal(remote('github/codeql-action/init@v3').subPath, 'init');
    assert.equal(remote('acme/tools/a/b@feature/x').ref, 'feature/x');
    const url = remote('https://gitea.example.com/acme/tools/lint@v1');
    assert.equal(url.baseUrl, 'https://gitea.example.com');
    assert.equal(url.subPath, 'lint');
  });

  it('refuses what could escape the repository, look like an option, or is a Docker image (usage errors)', () => {
    for (const bad of [
      'acme/tools/../../etc@v1',
      'acme/tools/./x@v1',
      'acme/tools@-upload-pack=evil',
      'acme/tools@v1..v2',
      'acme/tools@refs/heads/x.lock',
      '-x/tools@v1',
      'acme/..@v1',
      'ext::sh -c evil@v1',
      'file:///etc/acme/tools@v1',
      'docker://alpine:3',
      'acme/tools@',
      'acme/tools',
    ]) {
      assert.throws(() => parseActionReference(bad), ActionDefinitionError, bad);
    }
  });
});
