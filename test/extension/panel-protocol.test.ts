// The webview protocol, host side: ready handshake, one reply per request, malformed messages refused.
import * as assert from 'node:assert/strict';
import { CrosscheckError } from '../../src/core/errors';
import { type HostMessage, PanelSession, parsePanelRequest } from '../../src/extension/model/panel-protocol';

function session(handlers: Partial<ConstructorParameters<typeof PanelSession>[1]> = {}) {
  const posted: HostMessage[] = [];
  const calls: string[] = [];
  const subject = new PanelSession(
    (message) => posted.push(message),
    {
      refresh: async () => void calls.push('refresh'),
      rerun: async () => void calls.push('rerun'),
      signIn: async () => void calls.push('signIn'),
      openLink: async ({ link }) => void calls.push(`openLink ${link}`),
      selectRepository: async ({ index }) => void calls.push(`selectRepository ${index}`),
      choosePullRequest: async ({ id }) => void calls.push(`choosePullRequest ${id}`),
      ...handlers,
    },
    (error) => (error instanceof CrosscheckError ? error.message : 'unexpected'),
  );
  return { subject, posted, calls };
}

describe('parsePanelRequest', () => {
  it('accepts the known commands with their arguments', () => {
    assert.deepEqual(parsePanelRequest({ req: 1, command: 'ready' }), {
      req: 1,
      command: 'ready',
      args: undefined,
    });
    assert.deepEqual(parsePanelRequest({ req: 2, command: 'openLink', args: { link: 3 } }), {
      req: 2,
      command: 'openLink',
      args: { link: 3 },
    });
    assert.deepEqual(parsePanelRequest({ req: 3, command: 'rerun', args: { ignored: true } }), {
      req: 3,
      command: 'rerun',
      args: undefined,
    });
  });

  it('refuses anything else', () => {
    const refused: unknown[] = [
      undefined,
      null,
      'ready',
      { command: 'ready' },
      { req: '1', command: 'ready' },
      { req: -1, command: 'ready' },
      { req: 1.5, command: 'ready' },
      { req: 1, command: 'openExternal', args: { url: 'https://evil.example' } },
      { req: 1, command: 'openLink' },
      { req: 1, command: 'openLink', args: { link: 'https://evil.example' } },
      { req: 1, command: 'openLink', args: { link: -1 } },
      { req: 1, command: '__proto__' },
    ];
    for (const message of refused)
      assert.equal(parsePanelRequest(message), undefined, JSON.stringify(message));
  });
});

describe('PanelSession', () => {
  it('holds state until the webview is ready, then sends the newest only', async () => {
    const { subject, posted } = session();
    subject.push({ type: 'state', html: '<p>old</p>', busy: false });
    subject.push({ type: 'state', html: '<p>new</p>', busy: false });
    assert.deepEqual(posted, []);
    assert.equal(await subject.receive({ req: 1, command: 'ready' }), true);
    assert.deepEqual(posted, [
      { seq: 1, res: null },
      { type: 'state', html: '<p>new</p>', busy: false },
    ]);
    subject.push({ type: 'state', html: '<p>live</p>', busy: true });
    assert.deepEqual(posted.at(-1), { type: 'state', html: '<p>live</p>', busy: true });
  });

  it('sends the newest state again when a reloaded page says ready again', async () => {
    const { subject, posted } = session();
    await subject.receive({ req: 1, command: 'ready' });
    subject.push({ type: 'state', html: '<p>now</p>', busy: false });
    posted.length = 0;
    await subject.receive({ req: 1, command: 'ready' });
    assert.deepEqual(posted, [
      { seq: 1, res: null },
      { type: 'state', html: '<p>now</p>', busy: false },
    ]);
  });

  it('answers each request once, with the handler called with its arguments', async () => {
    const { subject, posted, calls } = session();
    await subject.receive({ req: 7, command: 'openLink', args: { link: 2 } });
    await subject.receive({ req: 8, command: 'refresh' });
    assert.deepEqual(calls, ['openLink 2', 'refresh']);
    assert.deepEqual(posted, [
      { seq: 7, res: null },
      { seq: 8, res: null },
    ]);
  });

  it('replies with the error in words when a handler fails', async () => {
    const { subject, posted } = session({
      rerun: async () => {
        throw new CrosscheckError('The setting crosscheck.centralRepository is not set.');
      },
    });
    await subject.receive({ req: 4, command: 'rerun' });
    assert.deepEqual(posted, [{ seq: 4, err: 'The setting crosscheck.centralRepository is not set.' }]);
  });

  it('ignores malformed messages without replying or calling anything', async () => {
    const { subject, posted, calls } = session();
    assert.equal(
      await subject.receive({ req: 1, command: 'openExternal', args: { url: 'file:///etc/passwd' } }),
      false,
    );
    assert.deepEqual(posted, []);
    assert.deepEqual(calls, []);
  });
});
