// Unit tests for hashFiles(): the runner's globbing, order and digest, and its use in an expression.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashFiles } from '../../src/runner/action-engine/hash-files';
import { loadExpressionEvaluator } from '../../src/runner/action-engine/expressions';

/** The runner's digest, computed independently: sha256 over the files' raw sha256 digests, in the order given. */
function expected(workspace: string, files: string[]): string {
  const result = createHash('sha256');
  for (const file of files) {
    result.update(
      createHash('sha256')
        .update(readFileSync(path.join(workspace, file)))
        .digest(),
    );
  }
  return result.digest('hex');
}

describe('hashFiles', () => {
  let workspace: string;

  beforeEach(async () => {
    workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-hash-'));
    const files: Record<string, string> = {
      'package-lock.json': '{"root":true}',
      'packages/b/package-lock.json': '{"b":1}',
      'packages/a/package-lock.json': '{"a":1}',
      'packages/a/src/index.ts': 'export {}',
      'packages/B/package-lock.json': '{"B":1}',
      '.config/package-lock.json': '{"dot":1}',
      'node_modules/x/package-lock.json': '{"x":1}',
    };
    for (const [file, content] of Object.entries(files)) {
      await fs.mkdir(path.join(workspace, path.dirname(file)), { recursive: true });
      await fs.writeFile(path.join(workspace, file), content);
    }
  });

  afterEach(() => fs.rm(workspace, { recursive: true, force: true }));

  it('hashes matching files depth first in byte order, dot folders included', () => {
    assert.equal(
      hashFiles(workspace, ['**/package-lock.json']),
      expected(workspace, [
        '.config/package-lock.json',
        'node_modules/x/package-lock.json',
        'package-lock.json',
        'packages/B/package-lock.json',
        'packages/a/package-lock.json',
        'packages/b/package-lock.json',
      ]),
    );
  });

  it('excludes with !, takes a directory for everything under it, and returns empty when nothing matches', () => {
    assert.equal(
      hashFiles(workspace, ['**/package-lock.json', '!node_modules/**', '!.config']),
      expected(workspace, [
        'package-lock.json',
        'packages/B/package-lock.json',
        'packages/a/package-lock.json',
        'packages/b/package-lock.json',
      ]),
    );
    assert.equal(
      hashFiles(workspace, ['packages/a']),
      expected(workspace, ['packages/a/package-lock.json', 'packages/a/src/index.ts']),
    );
    assert.equal(
      hashFiles(workspace, ['packages/?/package-lock.json\n!packages/[AB]/*']),
      expected(workspace, ['packages/a/package-lock.json', 'packages/b/package-lock.json']),
    );
    assert.equal(hashFiles(workspace, ['**/*.lock']), '');
    assert.equal(hashFiles(workspace, ['../**/package-lock.json']), '');
  });

  it("is GitHub's hashFiles() in expressions, over github.workspace", async () => {
    const evaluator = await loadExpressionEvaluator();
    const site = { file: 'action.yml', key: 'runs.steps[0].run' };
    evaluator.check("${{ hashFiles('**/package-lock.json', '!node_modules') }}", site, ['github']);
    const value = evaluator.evaluateString(
      "key-${{ hashFiles('package-lock.json', 'packages/a/package-lock.json') }}-${{ hashFiles('none') }}.",
      { github: { workspace } },
      site,
    );
    assert.equal(
      value,
      `key-${expected(workspace, ['package-lock.json', 'packages/a/package-lock.json'])}-.`,
    );
  });
});
