// Reads the crosscheck.* settings at each use; the API URL only from user settings, so a workspace cannot redirect credentials.
import * as vscode from 'vscode';
import { DEFAULT_API_URL, parseApiUrl } from '../../core';
import { SETTINGS } from '../model/command-ids';
import type { CheckSettings } from '../model/central-trigger';

export const DEFAULT_PIPELINE = 'sonar-pr-check';
export const DEFAULT_CHECK_KEY = 'sonar';

export class Settings {
  /**
   * `crosscheck.apiUrl` from user (global) settings or the default, never from a workspace or folder; http is only
   * accepted for loopback addresses (a local stand-in), as the credential must not cross a network in clear.
   */
  apiUrl(): string {
    const inspected = this.section().inspect<string>(SETTINGS.apiUrl);
    const value = inspected?.globalValue ?? inspected?.defaultValue ?? DEFAULT_API_URL;
    return parseApiUrl(value, 'crosscheck.apiUrl', {
      fix: `Set it to ${DEFAULT_API_URL} (the default) in your user settings; sign in with Crosscheck: Sign In to Bitbucket.`,
    });
  }

  /** The API URL to derive web links from: the setting when it is valid, else the default (links carry no credential). */
  apiUrlForLinks(): string {
    try {
      return this.apiUrl();
    } catch {
      return DEFAULT_API_URL;
    }
  }

  /** The check settings for a repository (folder settings apply in multi-root workspaces). */
  check(root?: vscode.Uri): CheckSettings {
    const section = this.section(root);
    return {
      centralRepository: section.get<string>(SETTINGS.centralRepository, ''),
      centralPipeline: section.get<string>(SETTINGS.centralPipeline, DEFAULT_PIPELINE),
      checkKey: section.get<string>(SETTINGS.checkKey, DEFAULT_CHECK_KEY),
      centralBranch: section.get<string>(SETTINGS.centralBranch, ''),
    };
  }

  notifyOnFinish(): boolean {
    return this.section().get<boolean>(SETTINGS.notifyOnFinish, true);
  }

  /** Report ids whose findings are not shown (`*`: none are). */
  hiddenFindingReports(root?: vscode.Uri): string[] {
    const value = this.section(root).get<unknown>(SETTINGS.hiddenFindingReports, []);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }

  /** Writes the hidden report ids where the user keeps them: the workspace when one is open, else the user settings. */
  async setHiddenFindingReports(ids: readonly string[], root?: vscode.Uri): Promise<void> {
    const target = vscode.workspace.workspaceFolders?.length
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
    await this.section(root).update(SETTINGS.hiddenFindingReports, ids.length ? [...ids] : undefined, target);
  }

  private section(scope?: vscode.Uri): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SETTINGS.section, scope);
  }
}
