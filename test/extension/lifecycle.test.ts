// Disposable ownership and the typed Signal: release order, idempotence, listeners isolated from each other's failures.
import * as assert from 'node:assert/strict';
import { Disposable, toDisposable } from '../../src/extension/common/lifecycle';
import { Signal } from '../../src/extension/common/signal';

class Owner extends Disposable {
  own(name: string, log: string[]): void {
    this._register(toDisposable(() => log.push(name)));
  }
}

describe('Disposable', () => {
  it('disposes what it registered once, newest first, and at once after being disposed', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.own('a', log);
    owner.own('b', log);
    owner.dispose();
    owner.dispose();
    assert.deepEqual(log, ['b', 'a']);
    owner.own('late', log);
    assert.deepEqual(log, ['b', 'a', 'late']);
  });

  it('disposes the rest when one throws, then reports the failure', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.own('a', log);
    (owner as unknown as { _register(value: { dispose(): void }): void })._register({
      dispose: () => {
        throw new Error('boom');
      },
    });
    assert.throws(() => owner.dispose(), /boom/);
    assert.deepEqual(log, ['a']);
  });
});

describe('Signal', () => {
  it('calls every listener until it unsubscribes, even when another throws', () => {
    const signal = new Signal<number>();
    const heard: number[] = [];
    signal.event(() => {
      throw new Error('listener failed');
    });
    const subscription = signal.event((value) => heard.push(value));
    assert.throws(() => signal.fire(1), /listener failed/);
    subscription.dispose();
    assert.throws(() => signal.fire(2));
    assert.deepEqual(heard, [1]);
  });
});
