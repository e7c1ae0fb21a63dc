// The Sign In and Sign Out commands with an in-memory editor against the sandbox over real HTTP: the dialog, the
// doctor's verdict, what is stored, the context key, the refresh, and secrets kept out of everything shown.
import * as assert from 'node:assert/strict';
import { ActionableError } from '../../src/extension/model/errors';
import { signIn, signInForTests, signOut } from '../../src/extension/model/commands/sign-in';
import { SECRET_KEYS } from '../../src/extension/model/credential-store';
import { SIGNED_IN_CONTEXT } from '../../src/extension/model/command-ids';
import { type Sandbox } from '../../src/sandbox';
import { commandHarness, type CommandHarness, useCommandHarness } from './support/command-harness';
import { requestsSince } from './support/sandbox';

const API_TOKEN = 'Atlassian API token';
const ACCESS_TOKEN = 'Access token';

describe('Sign In command', () => {
  let sandbox: Sandbox;
  let editor: CommandHarness;
  useCommandHarness((started, harness) => {
    sandbox = started;
    editor = harness;
  });

  /** Everything the user or the log saw, to check that no secret is in it (raw, base64 pair, URL-encoded). */
  function everythingShown(): string {
    return [
      ...editor.window.messages.map((shown) => shown.message),
      ...editor.window.progress.flatMap((shown) => [shown.title, ...shown.reports]),
      ...editor.log.written,
      JSON.stringify(editor.commands.executed),
    ].join('\n');
  }

  function assertNoSecret(secret: string, email = sandbox.demo.email): void {
    const shown = everythingShown();
    for (const form of [
      secret,
      Buffer.from(`${email}:${secret}`).toString('base64'),
      encodeURIComponent(secret),
    ]) {
      assert.ok(!shown.includes(form), `a form of the secret was shown: ${form.slice(0, 6)}…`);
    }
  }

  it('asks the token kind, the email and the token, checks them with the doctor, stores them and refreshes', async () => {
    editor.window.answer(API_TOKEN, ` ${sandbox.demo.email} `, ` ${sandbox.demo.apiToken} `);
    const result = await signIn(editor);

    assert.equal(result.signedIn, true);
    assert.deepEqual(
      editor.window.picks.map((pick) => [pick.options.title, pick.items.map((item) => item.label)]),
      [['Sign In to Bitbucket', [API_TOKEN, ACCESS_TOKEN]]],
    );
    assert.deepEqual(
      editor.window.inputs.map((input) => [input.title, input.password ?? false]),
      [
        ['Sign In to Bitbucket (1/2)', false],
        ['Sign In to Bitbucket: API token (2/2)', true],
      ],
    );
    assert.deepEqual(
      editor.window.progress.map((shown) => shown.title),
      ['Crosscheck: checking the credential'],
    );
    assert.ok((editor.window.progress[0]?.reports.length ?? 0) > 0, 'the doctor reports its steps');
    assert.equal(editor.secrets.values.get(SECRET_KEYS.email), sandbox.demo.email, 'trimmed');
    assert.equal(editor.secrets.values.get(SECRET_KEYS.apiToken), sandbox.demo.apiToken, 'trimmed');
    assert.deepEqual(editor.window.messagesOf('info'), [
      'Signed in to Bitbucket: authenticated as Dana Developer.',
    ]);
    assert.ok(editor.log.written.includes('Sign-in check:'));
    assert.deepEqual(editor.commands.contextValues(SIGNED_IN_CONTEXT), [true]);
    assert.equal(editor.invalidations(), 1);
    assert.equal(editor.refresher.state.kind, 'loaded', 'the views refreshed with the new credential');
    assertNoSecret(sandbox.demo.apiToken);
  });

  it('probes the open repository, and none in Restricted Mode', async () => {
    editor.window.answer(API_TOKEN, sandbox.demo.email, sandbox.demo.apiToken);
    await signIn(editor);
    assert.ok(
      requestsSince(sandbox, 0).some((request) => request.startsWith('GET /2.0/repositories/acme/web-app')),
    );

    const untrusted = commandHarness(sandbox);
    untrusted.workspace.trusted = false;
    const before = sandbox.requests.length;
    untrusted.window.answer(API_TOKEN, sandbox.demo.email, sandbox.demo.apiToken);
    assert.equal((await signIn(untrusted)).signedIn, true);
    assert.deepEqual(
      requestsSince(sandbox, before).filter((request) => request.includes('/repositories/')),
      [],
      'no repository read for an untrusted workspace',
    );
    untrusted.dispose();
  });

  it('takes an access token alone, without asking an email', async () => {
    editor.window.answer(ACCESS_TOKEN, sandbox.demo.repoAccessToken);
    const result = await signIn(editor);
    assert.equal(result.signedIn, true);
    assert.deepEqual(
      editor.window.inputs.map((input) => input.title),
      ['Sign In to Bitbucket: Access token'],
    );
    assert.deepEqual([...editor.secrets.values.keys()], [SECRET_KEYS.accessToken]);
    assertNoSecret(sandbox.demo.repoAccessToken);
  });

  it('stops without a request or a change when a box is dismissed', async () => {
    for (const answers of [[undefined], [API_TOKEN, undefined], [API_TOKEN, sandbox.demo.email, undefined]]) {
      editor.window.answer(...answers);
      assert.deepEqual(await signIn(editor), { signedIn: false, reason: 'cancelled' });
    }
    assert.deepEqual(requestsSince(sandbox, 0), []);
    assert.equal(editor.secrets.values.size, 0);
    assert.deepEqual(editor.commands.executed, []);
  });

  it('refuses an email without a domain and a blank token in the boxes themselves', async () => {
    editor.window.answer(API_TOKEN, 'dana');
    await assert.rejects(signIn(editor), /refuses "dana": Type an email address, e\.g\. you@example\.com\./);
    const [emailBox] = editor.window.inputs;
    assert.ok(emailBox);
    assert.equal(
      emailBox.validateInput('dana:x@acme.example'),
      'Type an email address, e.g. you@example.com.',
    );
    assert.equal(emailBox.validateInput(' dana@acme.example '), undefined);

    editor.window.answer(ACCESS_TOKEN, '   ');
    await assert.rejects(signIn(editor), /Paste the token\./);
  });

  it('Try Again opens the boxes with the email typed before (never the token), and no environment variable is named', async () => {
    editor.window.answer(API_TOKEN, 'someone@else.example', sandbox.demo.apiToken);
    let tryAgain: (() => unknown) | undefined;
    await assert.rejects(signIn(editor), (error: unknown) => {
      assert.ok(error instanceof ActionableError);
      assert.doesNotMatch(
        `${error.message} ${error.hint ?? ''}`,
        /ATLASSIAN_ACCOUNT_EMAIL|BITBUCKET_API_TOKEN|BITBUCKET_ACCESS_TOKEN/,
      );
      tryAgain = error.actions[0]?.run;
      return true;
    });
    assert.ok(tryAgain, 'Try Again runs the sign-in itself');
    const asked = editor.window.inputs.length;
    editor.window.answer(API_TOKEN, sandbox.demo.email, sandbox.demo.apiToken);
    await tryAgain();
    const [emailBox, tokenBox] = editor.window.inputs.slice(asked);
    assert.equal(emailBox?.value, 'someone@else.example');
    assert.equal(tokenBox?.value, undefined);
    assert.ok(await editor.store.read(), 'signed in on the second try');
  });

  it('stores nothing when Bitbucket refuses the credential, and offers to try again', async () => {
    editor.window.answer(API_TOKEN, 'someone@else.example', sandbox.demo.apiToken);
    await assert.rejects(signIn(editor), (error: unknown) => {
      assert.ok(error instanceof ActionableError);
      assert.match(error.message, /^Not signed in: .*did not accept the credential/);
      assert.match(error.hint ?? '', /someone@else\.example is the email/);
      assert.deepEqual(
        error.actions.map(({ title, command }) => ({ title, command })),
        [{ title: 'Try Again', command: 'crosscheck.signIn' }],
      );
      return true;
    });
    assert.equal(editor.secrets.values.size, 0);
    assert.deepEqual(editor.commands.contextValues(SIGNED_IN_CONTEXT), []);
    assertNoSecret(sandbox.demo.apiToken, 'someone@else.example');
  });

  it('lets the user store a working credential that lacks a repository scope, or not', async () => {
    const token = sandbox.addApiToken({
      email: sandbox.demo.email,
      scopes: ['read:repository:bitbucket', 'read:user:bitbucket'],
    });
    editor.window.clickOn = (shown) => (shown.tone === 'warning' ? 'Show Details' : undefined);
    editor.window.answer(API_TOKEN, sandbox.demo.email, token);
    const declined = await signIn(editor);
    assert.equal(declined.signedIn, false);
    assert.match(declined.signedIn ? '' : declined.reason, /read:pullrequest:bitbucket/);
    const [warning] = editor.window.messages;
    assert.ok(warning);
    assert.match(warning.message, /^The credential works, but .*read:pullrequest:bitbucket/);
    assert.deepEqual(warning.buttons, ['Store Anyway', 'Show Details']);
    assert.equal(editor.log.shown, 1, 'Show Details shows the log');
    assert.equal(editor.secrets.values.size, 0);

    editor.window.clickOn = (shown) => (shown.tone === 'warning' ? 'Store Anyway' : undefined);
    editor.window.answer(API_TOKEN, sandbox.demo.email, token);
    const stored = await signIn(editor);
    assert.equal(stored.signedIn, true);
    assert.match(stored.signedIn ? stored.warnings.join(' ') : '', /read:pullrequest:bitbucket/);
    assert.equal(editor.secrets.values.get(SECRET_KEYS.apiToken), token);
    assert.match(
      editor.window.messagesOf('info')[0] ?? '',
      /^Signed in to Bitbucket\. Note: .*read:pullrequest/,
    );
  });

  it('reads the API URL setting before asking anything, so a bad one stops the sign-in', async () => {
    const broken = commandHarness(sandbox);
    broken.workspace.apiUrl = () => {
      throw new Error('crosscheck.apiUrl is not valid');
    };
    await assert.rejects(signIn(broken), /crosscheck\.apiUrl is not valid/);
    assert.deepEqual(broken.window.picks, []);
    broken.dispose();
  });
});

describe('Sign-in test hook', () => {
  let sandbox: Sandbox;
  let editor: CommandHarness;
  useCommandHarness((started, harness) => {
    sandbox = started;
    editor = harness;
  });

  it('signs in with the given input and no box', async () => {
    const result = await signInForTests(
      { kind: 'api-token', email: sandbox.demo.email, token: sandbox.demo.apiToken },
      editor,
    );
    assert.equal(result.signedIn, true);
    assert.deepEqual([editor.window.picks, editor.window.inputs], [[], []]);
    assert.deepEqual(editor.commands.contextValues(SIGNED_IN_CONTEXT), [true]);
  });

  it('answers a refusal with its reason instead of an error, and ignores what is not a sign-in input', async () => {
    const refused = await signInForTests(
      { kind: 'api-token', email: 'someone@else.example', token: sandbox.demo.apiToken },
      editor,
    );
    assert.equal(refused.signedIn, false);
    assert.match(
      refused.signedIn ? '' : refused.reason,
      /^Not signed in: .*someone@else\.example is the email/,
    );
    assert.equal(editor.log.errors.length, 1);
    assert.deepEqual(await signInForTests({ kind: 'oauth', token: 'x' }, editor), {
      signedIn: false,
      reason: 'not a sign-in input',
    });
    assert.equal(editor.secrets.values.size, 0);
  });
});

describe('Sign Out command', () => {
  let editor: CommandHarness;
  useCommandHarness((_sandbox, harness) => (editor = harness));

  it('deletes every stored secret, clears the context key, refreshes to signed-out and says so', async () => {
    await editor.signInAsDemo();
    editor.secrets.values.set(SECRET_KEYS.accessToken, 'ATCTT-left-over');
    await editor.refresher.refresh();
    assert.equal(editor.refresher.state.kind, 'loaded');

    await signOut(editor);
    assert.equal(editor.secrets.values.size, 0);
    assert.deepEqual(editor.commands.contextValues(SIGNED_IN_CONTEXT), [false]);
    assert.equal(editor.refresher.state.kind, 'signed-out');
    assert.deepEqual(editor.window.messagesOf('info'), [
      'Signed out of Bitbucket: the stored email and tokens were deleted.',
    ]);
  });
});
