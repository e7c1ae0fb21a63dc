// Packages an extension folder into a .vsix with vsce and installs it into code-server's extensions folder.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repositoryRoot, writeCodeServerConfig, type VscodeInstallation } from './vscodeServer';

/** The parts of an extension manifest the UI tests read. */
export interface ExtensionManifest {
  readonly name: string;
  readonly publisher: string;
  readonly displayName?: string;
  readonly contributes?: {
    readonly commands?: readonly { command: string; title: string; category?: string }[];
  };
}

export function readExtensionManifest(extensionFolder: string): ExtensionManifest {
  return JSON.parse(fs.readFileSync(path.join(extensionFolder, 'package.json'), 'utf8')) as ExtensionManifest;
}

/** The extension's id as VS Code spells it: `<publisher>.<name>`. */
export function extensionId(manifest: ExtensionManifest): string {
  return `${manifest.publisher}.${manifest.name}`;
}

/** Titles of the contributed commands as the palette shows them: '<category>: <title>'. */
export function commandPaletteTitles(manifest: ExtensionManifest): string[] {
  return (manifest.contributes?.commands ?? []).map((command) =>
    command.category ? `${command.category}: ${command.title}` : command.title,
  );
}

/**
 * Packages `extensionFolder` (already built) into `vsixPath` with the repository's vsce, without dependencies
 * (the extension is bundled), and returns `vsixPath`.
 */
export function packageVsix(extensionFolder: string, vsixPath: string): string {
  fs.mkdirSync(path.dirname(vsixPath), { recursive: true });
  const result = spawnSync(
    process.execPath,
    [
      path.join(repositoryRoot, 'scripts', 'package-vsix.js'),
      '--source',
      extensionFolder,
      '--out',
      vsixPath,
      // The folder is already built; the suites check behaviour, not the type-check and lint before a release.
      '--no-prepublish',
      '--',
      // The README's relative links stay relative: the test installs the package, nobody follows them.
      '--no-rewrite-relative-links',
    ],
    { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0 || !fs.existsSync(vsixPath)) {
    throw new Error(
      `vsce package in ${extensionFolder} failed (exit ${result.status}): ${result.stderr || result.stdout}`,
    );
  }
  return vsixPath;
}

/** Installs a .vsix with code-server's CLI into the given extensions folder. */
export function installVsix(
  installation: VscodeInstallation,
  vsixPath: string,
  dirs: { readonly extensionsDir: string; readonly userDataDir: string },
): void {
  const result = spawnSync(
    installation.nodePath,
    [
      installation.codeServerEntryPath,
      '--config',
      writeCodeServerConfig(dirs.userDataDir),
      '--extensions-dir',
      dirs.extensionsDir,
      '--user-data-dir',
      dirs.userDataDir,
      '--install-extension',
      vsixPath,
      '--force',
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) {
    throw new Error(
      `installing ${vsixPath} failed (exit ${result.status}): ${result.stderr || result.stdout}`,
    );
  }
}
