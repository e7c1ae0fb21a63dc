// In-memory stand-ins for vscode.SecretStorage and vscode.Memento, with the same async contracts.
import type { SecretStore } from '../../../src/extension/model/credential-store';
import type { KeyValueStore } from '../../../src/extension/model/runs';

export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}

/** Stores JSON copies, as VS Code's Memento does, so a test cannot pass by sharing object identity. */
export class MemoryMemento implements KeyValueStore {
  private readonly values = new Map<string, string>();

  get<T>(key: string): T | undefined {
    const value = this.values.get(key);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.stringify(value));
  }
}
