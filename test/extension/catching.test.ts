// The catch every command registration goes through: the error shown with its fix, its buttons and "Show Logs".
import * as assert from 'node:assert/strict';
import { CrosscheckError } from '../../src/core/errors';
import { catching } from '../../src/extension/model/commands/catching';
import { ActionableError } from '../../src/extension/model/errors';
import { FakeCommands, FakeLog, FakeWindow } from './support/fake-editor';

describe('catching (the command wrapper)', () => {
  function ui(click?: string) {
    const window = new FakeWindow();
    window.clickOn = () => click;
    return { window, commands: new FakeCommands(), log: new FakeLog() };
  }

  it('passes the result through when the command succeeds, showing nothing', async () => {
    const deps = ui();
    assert.equal(await catching(deps, async (a: number, b: number) => a + b)(2, 3), 5);
    assert.deepEqual([deps.window.messages, deps.log.errors], [[], []]);
  });

  it('shows a known error with its hint, its buttons and Show Logs; resolves to undefined and logs it', async () => {
    const deps = ui('Open Settings');
    const error = new ActionableError('The setting crosscheck.centralRepository is not set.', 'Set it.', [
      {
        title: 'Open Settings',
        command: 'workbench.action.openSettings',
        args: ['crosscheck.centralRepository'],
      },
    ]);
    assert.equal(await catching(deps, () => Promise.reject(error))(), undefined);
    await deps.window.clicksSettled();
    assert.deepEqual(deps.window.messages, [
      {
        tone: 'error',
        message: 'The setting crosscheck.centralRepository is not set. Set it.',
        buttons: ['Open Settings', 'Show Logs'],
      },
    ]);
    assert.deepEqual(deps.log.errors, [error]);
    assert.deepEqual(deps.commands.executed, [
      ['workbench.action.openSettings', 'crosscheck.centralRepository'],
    ]);
    assert.equal(deps.log.shown, 0);
  });

  it('says an unexpected error is unexpected, and Show Logs opens the log', async () => {
    const deps = ui('Show Logs');
    await catching(deps, async () => {
      throw new TypeError('boom');
    })();
    await deps.window.clicksSettled();
    assert.deepEqual(deps.window.messagesOf('error'), ['Crosscheck failed unexpectedly: boom']);
    assert.equal(deps.log.shown, 1);
    assert.deepEqual(deps.commands.executed, []);
  });

  it('shows a CrosscheckError without a hint as its message alone', async () => {
    const deps = ui();
    await catching(deps, () => Promise.reject(new CrosscheckError('The statuses are still loading.')))();
    assert.deepEqual(deps.window.messages[0]?.message, 'The statuses are still loading.');
    assert.deepEqual(deps.window.messages[0]?.buttons, ['Show Logs']);
  });
});
