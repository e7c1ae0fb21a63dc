// Explicit lifetimes: a Disposable base that owns what it registers and releases it once, newest first.

export interface DisposableLike {
  dispose(): unknown;
}

/** Wraps a function as something to dispose. */
export function toDisposable(dispose: () => void): DisposableLike {
  return { dispose };
}

/** Owns disposables; `dispose()` is idempotent and releases them in reverse order of registration. */
export class Disposable implements DisposableLike {
  private readonly owned: DisposableLike[] = [];
  private disposed = false;

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  /** Takes ownership of `value`; disposes it at once if this object is already disposed. */
  protected _register<T extends DisposableLike>(value: T): T {
    if (this.disposed) value.dispose();
    else this.owned.push(value);
    return value;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const value of this.owned.splice(0).reverse()) {
      try {
        value.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'Several disposables failed to dispose');
  }
}
