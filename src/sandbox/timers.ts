// Cancellable waits: everything the sandbox schedules goes through one Timers so close() stops it all.

export class SandboxClosedError extends Error {
  constructor() {
    super('sandbox closed');
  }
}

export class Timers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private isClosed = false;

  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves after `ms`; rejects with SandboxClosedError when the sandbox closes first. */
  sleep(ms: number): Promise<void> {
    if (this.isClosed) return Promise.reject(new SandboxClosedError());
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, () => reject(new SandboxClosedError()));
    });
  }

  close(): void {
    this.isClosed = true;
    for (const [timer, cancel] of this.pending) {
      clearTimeout(timer);
      cancel();
    }
    this.pending.clear();
  }
}
