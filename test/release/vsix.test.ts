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
      assert.ok(size > 50_000 && size < 300_000, `a .vsix of ${size} bytes`);
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
