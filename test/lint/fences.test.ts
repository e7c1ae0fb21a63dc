// The project's import fences (eslint.config.mjs): each forbidden edge fails lint, each allowed edge passes.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Lints `code` as if it were the file at `file` (relative to the repository), with the TypeScript parser and only the
 * project's fence blocks, so that the answer depends on the fences alone and not on type information.
 */
async function fenceMessages(file: string, code: string): Promise<string[]> {
  const config = (await import(pathToFileURL(path.join(ROOT, 'eslint.config.mjs')).href)) as {
    default: Linter.Config[];
  };
  const fences = config.default.filter((block) => block.name?.startsWith('crosscheck/fence/'));
  assert.deepEqual(
    fences.map((block) => block.name),
    ['core', 'sandbox', 'runner', 'extension', 'extension-host'].map((name) => `crosscheck/fence/${name}`),
  );
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...fences],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  assert.ok(result, 'ESLint answers for the one text it was given');
  return result.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

async function assertFenced(file: string, code: string, reason: RegExp): Promise<void> {
  const messages = await fenceMessages(file, code);
  assert.equal(messages.length, 1, `${file}: ${code}\n${messages.join('\n')}`);
  assert.match(messages[0] ?? '', /^no-restricted-imports: /);
  assert.match(messages[0] ?? '', reason);
}

async function assertAllowed(file: string, code: string): Promise<void> {
  assert.deepEqual(await fenceMessages(file, code), [], `${file}: ${code}`);
}

describe('import fences', function () {
  this.timeout(60_000);

  it('allows vscode only under src/extension/host and in the entry file', async () => {
    const code = "import * as vscode from 'vscode';\nexport const v = vscode;\n";
    await assertAllowed('src/extension/host/probe.ts', code);
    await assertAllowed('src/extension/extension.ts', code);
    for (const file of [
      'src/extension/model/probe.ts',
      'src/extension/view/probe.ts',
      'src/extension/common/probe.ts',
      'src/runner/probe.ts',
      'src/core/probe.ts',
      'src/sandbox/probe.ts',
    ])
      await assertFenced(file, code, /talks to VS Code/);
    // A type-only import is an edge too.
    await assertFenced(
      'src/extension/model/probe.ts',
      "import type { Uri } from 'vscode';\nexport type U = Uri;\n",
      /talks to VS Code/,
    );
  });

  it('keeps the CLI and the extension apart, both ways', async () => {
    await assertFenced(
      'src/runner/commands/probe.ts',
      "import { x } from '../../extension/model/runs';\nexport { x };\n",
      /never import each other/,
    );
    await assertFenced('src/runner/probe.ts', "export * from '../extension';\n", /never import each other/);
    await assertFenced(
      'src/extension/model/probe.ts',
      "import { x } from '../../runner/reporter';\nexport { x };\n",
      /never import each other/,
    );
    await assertFenced(
      'src/extension/host/probe.ts',
      "export { y } from '../../runner';\n",
      /never import each other/,
    );
  });

  it('lets the CLI and the extension import the core only through its index', async () => {
    await assertAllowed(
      'src/runner/commands/probe.ts',
      "import { parseKey } from '../../core';\nexport { parseKey };\n",
    );
    await assertAllowed(
      'src/runner/probe.ts',
      "import type { RepositoryRef } from '../core';\nexport type R = RepositoryRef;\n",
    );
    await assertAllowed(
      'src/extension/model/probe.ts',
      "import { parseKey } from '../../core';\nexport { parseKey };\n",
    );
    for (const [file, source] of [
      ['src/runner/probe.ts', '../core/errors'],
      ['src/runner/action-engine/probe.ts', '../../core/secret-masker'],
      ['src/runner/commands/probe.ts', '../../core/sonar/gate-check'],
      ['src/extension/model/probe.ts', '../../core/validation'],
      ['src/extension/host/probe.ts', '../../core/index'],
      ['src/extension/view/probe.ts', '../../core/bitbucket/types'],
    ] as const)
      await assertFenced(file, `import { x } from '${source}';\nexport { x };\n`, /through its index/);
    await assertFenced('src/runner/probe.ts', "export { x } from '../core/errors';\n", /through its index/);
  });

  it('keeps the sandbox and the core apart, both ways', async () => {
    await assertFenced(
      'src/sandbox/probe.ts',
      "import { x } from '../core';\nexport { x };\n",
      /never imports src\/core/,
    );
    await assertFenced(
      'src/sandbox/probe.ts',
      "import { x } from '../core/validation';\nexport { x };\n",
      /never imports src\/core/,
    );
    await assertFenced(
      'src/core/probe.ts',
      "import { x } from '../sandbox';\nexport { x };\n",
      /knows no adapter/,
    );
    await assertFenced(
      'src/core/sonar/probe.ts',
      "import { x } from '../../runner/context';\nexport { x };\n",
      /knows no adapter/,
    );
    await assertFenced(
      'src/core/probe.ts',
      "import { x } from '../extension/model/runs';\nexport { x };\n",
      /knows no adapter/,
    );
    // The core's own modules import each other freely, and packages are not folders of ours.
    await assertAllowed(
      'src/core/sonar/probe.ts',
      "import { x } from '../errors';\nimport { y } from './gate';\nexport { x, y };\n",
    );
    await assertAllowed('src/sandbox/probe.ts', "import { x } from '@actions/core';\nexport { x };\n");
  });

  it('keeps the extension off the sandbox, while the CLI may start it (demo, crosscheck sandbox)', async () => {
    await assertFenced(
      'src/extension/model/probe.ts',
      "import { x } from '../../sandbox';\nexport { x };\n",
      /stand-in/,
    );
    await assertAllowed(
      'src/runner/commands/probe.ts',
      "import { x } from '../../sandbox';\nexport { x };\n",
    );
  });

  it('leaves tests free to import internals', async () => {
    await assertAllowed(
      'test/core/probe.test.ts',
      "import { x } from '../../src/core/validation';\nexport { x };\n",
    );
    await assertAllowed(
      'test/extension/probe.test.ts',
      "import { x } from '../../src/runner/reporter';\nexport { x };\n",
    );
  });
});
