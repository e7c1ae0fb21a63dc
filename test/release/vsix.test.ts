// The .vsix: what `vsce ls` says it would hold, and the manifest fields vsce needs without escape flags.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/cli';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  license?: string;
  repository?: { url?: string };
  main: string;
  scripts: Record<string, string>;
};

describe('the .vsix', () => {
  let listed: string[];
  before(async function () {
    this.timeout(60_000);
    const vsce = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
    const { stdout } = await promisify(execFile)(vsce, ['ls', '--no-dependencies'], { cwd: REPO_ROOT });
    listed = stdout.split('\n').filter((line) => line.trim() !== '');
  });

  it('holds the bundle, its media, the manifest, README, LICENSE and CHANGELOG, and no source or test file', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', manifest.main])
      assert.ok(listed.includes(file), `${file} is packed (vsce ls: ${listed.join(', ')})`);
    const stray = listed.filter(
      (file) =>
        !/^(dist\/extension\.js|media\/.+|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(file),
    );
    assert.deepEqual(stray, []);
  });

  it('packs: vsce takes the staged folder (it refuses the npm files list beside .vscodeignore)', async function () {
    this.timeout(60_000);
    const vsix = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-vsix-test-')),
      'crosscheck.vsix',
    );
    try {
      await promisify(execFile)(
        process.execPath,
        [path.join(REPO_ROOT, 'scripts', 'package-vsix.js'), '--no-prepublish', '--out', vsix],
        { cwd: REPO_ROOT },
      );
      const size = fs.statSync(vsix).size;
      assert.ok(size > 50_000 && size < 600_000, `a .vsix of ${size} bytes`);
      const unzip = (...args: string[]) =>
        promisify(execFile)('unzip', args, { maxBuffer: 16 * 1024 * 1024 }).then((out) => out.stdout);
      const files = (await unzip('-Z1', vsix)).split('\n').filter(Boolean);
      // The page users see is the extension's README, with its screenshot; no developer file comes along.
      const readme = await unzip('-p', vsix, 'extension/readme.md');
      assert.match(readme, /^# Crosscheck for VS Code/);
      assert.doesNotMatch(readme, /npm ci|npm run/);
      // vsce points relative images at the repository (the marketplace serves no files of the package).
      assert.match(readme, /\]\((https:\/\/\S+\/)?media\/readme\/status-panel\.png\)/);
      assert.ok(files.includes('extension/media/readme/status-panel.png'), files.join(', '));
      for (const absent of ['extension/media/tsconfig.json', 'extension/media/readme/README.md'])
        assert.ok(!files.includes(absent), `${absent} is packed`);
      // Every command of the manifest is described on that page.
      const contributed = (
        JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
          contributes: { commands: Array<{ title: string }> };
        }
      ).contributes.commands.map((command) => command.title);
      assert.deepEqual(
        contributed.filter((title) => !readme.includes(`| ${title} `)),
        [],
        'commands the extension README does not describe',
      );
    } finally {
      fs.rmSync(path.dirname(vsix), { recursive: true, force: true });
    }
  });

  it('is packed with its licence and repository, after type-check, lint and a release build', () => {
    assert.equal(manifest.license, 'MIT');
    assert.match(manifest.repository?.url ?? '', /^git\+https:\/\/.+\.git$/);
    assert.equal(
      manifest.scripts['vscode:prepublish'],
      'npm run typecheck && npm run lint && node esbuild.js --release',
    );
    const packageVsix = manifest.scripts['package:vsix'];
    assert.ok(packageVsix, 'package.json has a package:vsix script');
    assert.doesNotMatch(packageVsix, /--skip-license|--allow-missing-repository/);
  });
});
