// The VS Code manifest in package.json agrees with the code: commands, settings, context keys, trust, activation, icon.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  COMMANDS,
  HAS_REPOSITORY_CONTEXT,
  SETTINGS,
  SIGNED_IN_CONTEXT,
} from '../../src/extension/model/command-ids';

const root = path.resolve(__dirname, '..', '..', '..');
/** The parts of package.json these tests read. */
interface Manifest {
  readonly contributes: {
    readonly commands: unknown;
    readonly menus: { readonly commandPalette: unknown };
    readonly configuration: { readonly properties: unknown };
  };
  readonly capabilities: {
    readonly untrustedWorkspaces: { readonly supported: string; readonly description: string };
  };
  readonly extensionDependencies?: unknown;
  readonly activationEvents: unknown;
  readonly main: string;
  readonly icon: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

describe('package.json manifest', () => {
  it('contributes exactly the commands the extension registers, in the Crosscheck category', () => {
    const contributed = manifest.contributes.commands as Array<{
      command: string;
      title: string;
      category: string;
    }>;
    assert.deepEqual(contributed.map((command) => command.command).sort(), Object.values(COMMANDS).sort());
    assert.ok(contributed.every((command) => command.category === 'Crosscheck' && command.title.length > 0));
    const titles = Object.fromEntries(contributed.map((command) => [command.command, command.title]));
    assert.equal(titles[COMMANDS.signIn], 'Sign In to Bitbucket');
    assert.equal(titles[COMMANDS.runCheck], 'Run Central Check for Current Branch');
    assert.equal(titles[COMMANDS.showStatus], 'Show Commit Status');
    assert.equal(titles[COMMANDS.openPanel], 'Open PR Status Panel');
  });

  it('hides the commands that need a repository when none is open, and run-check in Restricted Mode', () => {
    const when = Object.fromEntries(
      (manifest.contributes.menus.commandPalette as Array<{ command: string; when: string }>).map((entry) => [
        entry.command,
        entry.when,
      ]),
    );
    for (const command of [COMMANDS.showStatus, COMMANDS.openPanel, COMMANDS.refresh])
      assert.equal(when[command], HAS_REPOSITORY_CONTEXT);
    assert.equal(when[COMMANDS.runCheck], `${HAS_REPOSITORY_CONTEXT} && isWorkspaceTrusted`);
    assert.equal(when[COMMANDS.signOut], SIGNED_IN_CONTEXT);
    assert.equal(when[COMMANDS.signIn], undefined);
  });

  it('declares the settings with their defaults, the API URL user-only', () => {
    const properties = manifest.contributes.configuration.properties as Record<
      string,
      { default: unknown; scope: string }
    >;
    const id = (name: string) => `${SETTINGS.section}.${name}`;
    assert.deepEqual(
      Object.keys(properties).sort(),
      [
        id(SETTINGS.apiUrl),
        id(SETTINGS.centralBranch),
        id(SETTINGS.centralPipeline),
        id(SETTINGS.centralRepository),
        id(SETTINGS.checkKey),
        id(SETTINGS.notifyOnFinish),
        id(SETTINGS.hiddenFindingReports),
      ].sort(),
    );
    assert.equal(properties[id(SETTINGS.centralPipeline)]?.default, 'sonar-pr-check');
    assert.equal(properties[id(SETTINGS.checkKey)]?.default, 'sonar');
    assert.equal(properties[id(SETTINGS.centralBranch)]?.default, '');
    assert.equal(properties[id(SETTINGS.apiUrl)]?.default, 'https://api.bitbucket.org/2.0');
    assert.equal(properties[id(SETTINGS.apiUrl)]?.scope, 'application');
    assert.equal(properties[id(SETTINGS.notifyOnFinish)]?.default, true);
    assert.ok(!JSON.stringify(properties).match(/token|password|secret/i), 'no secret in settings');
  });

  it('declares limited support for untrusted workspaces, no git dependency, a narrow activation and the icon', () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(manifest.capabilities.untrustedWorkspaces.description.length > 20);
    // VS Code disables git in Restricted Mode; depending on it would keep Crosscheck from activating there.
    assert.equal(manifest.extensionDependencies, undefined);
    assert.deepEqual(manifest.activationEvents, ['onStartupFinished']);
    assert.equal(manifest.main, 'dist/extension.js');
    const icon = fs.readFileSync(path.join(root, manifest.icon));
    assert.equal(icon.subarray(1, 4).toString(), 'PNG');
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  });

  it('ships the webview files the panel loads', () => {
    for (const file of ['media/panel.js', 'media/panel.css'])
      assert.ok(fs.existsSync(path.join(root, file)), file);
  });
});
