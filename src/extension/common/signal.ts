// A typed event source for plain TypeScript code (the VS Code EventEmitter is only available inside the host).
import type { DisposableLike } from './lifecycle';

export type Listener<T> = (value: T) => void;

/** Subscribe with `event(listener)`; the returned disposable unsubscribes. Same shape as vscode.Event. */
export type Event<T> = (listener: Listener<T>) => DisposableLike;

export class Signal<T> implements DisposableLike {
  private listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  /** Calls every listener; one that throws does not keep the others from hearing about it. */
  fire(value: T): void {
    const errors: unknown[] = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  dispose(): void {
    this.listeners.clear();
  }
}
