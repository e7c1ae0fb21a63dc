// Lint rules: typescript-eslint's type-checked recommended set, plus the fences that keep each folder to its layer.
import tseslint from 'typescript-eslint';

// Import fences, one block per folder (each sets no-restricted-imports once for its files; tests are not fenced:
// they test internals). test/lint/fences.test.ts proves each one fires.
const VSCODE_ONLY_IN_HOST = {
  name: 'vscode',
  message:
    'Only src/extension/host (and src/extension/extension.ts) talks to VS Code; pass what the rest needs in.',
};
const NO_VSCODE = { name: 'vscode', message: 'Only src/extension/host talks to VS Code.' };
/** A relative import of one of our folders (`../core`, `../../runner/x`, `./sandbox`); `deep`: only inside it. */
const folder = (name, deep = false) => `^(\\.{1,2}/)+(.*/)?${name}${deep ? '/' : '(/|$)'}`;
const CORE_BY_INDEX = {
  regex: folder('core', true),
  message: "Import the core through its index ('../core' or '../../core'), its public surface.",
};
const NO_EXTENSION_FROM_RUNNER = {
  regex: folder('extension'),
  message: 'The CLI and the extension never import each other; shared logic belongs in src/core.',
};
const NO_RUNNER_FROM_EXTENSION = {
  regex: folder('runner'),
  message: 'The CLI and the extension never import each other; shared logic belongs in src/core.',
};
const NO_SANDBOX_FROM_EXTENSION = {
  regex: folder('sandbox'),
  message: 'The sandbox is a stand-in for tests and the demo; the extension talks to the real services.',
};
const NO_ADAPTERS_FROM_SANDBOX = {
  regex: `${folder('core')}|${folder('runner')}|${folder('extension')}`,
  message:
    "The sandbox is written from the services' documented behaviour and never imports src/core or an adapter.",
};
const NO_ADAPTERS_FROM_CORE = {
  regex: `${folder('runner')}|${folder('extension')}|${folder('sandbox')}`,
  message: 'The core knows no adapter and no stand-in: adapters call the core, never the other way.',
};
const fence = (name, files, paths, patterns, ignores = []) => ({
  name: `crosscheck/fence/${name}`,
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});
const HOST = ['src/extension/host/**/*.ts', 'src/extension/extension.ts'];
const fences = [
  fence('core', ['src/core/**/*.ts'], [NO_VSCODE], [NO_ADAPTERS_FROM_CORE]),
  fence('sandbox', ['src/sandbox/**/*.ts'], [NO_VSCODE], [NO_ADAPTERS_FROM_SANDBOX]),
  fence('runner', ['src/runner/**/*.ts'], [NO_VSCODE], [CORE_BY_INDEX, NO_EXTENSION_FROM_RUNNER]),
  fence(
    'extension',
    ['src/extension/**/*.ts'],
    [VSCODE_ONLY_IN_HOST],
    [CORE_BY_INDEX, NO_RUNNER_FROM_EXTENSION, NO_SANDBOX_FROM_EXTENSION],
    HOST,
  ),
  fence('extension-host', HOST, [], [CORE_BY_INDEX, NO_RUNNER_FROM_EXTENSION, NO_SANDBOX_FROM_EXTENSION]),
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.tools/**', '.artifacts/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Types come from the nearest tsconfig.json: the root one for TypeScript, media/tsconfig.json for the webview.
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    // Build scripts and configs are plain Node.js outside any tsconfig: linted without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ignores: ['media/panel.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // An async function without await is how an async interface is implemented (fakes, ports): it turns a throw
      // into a rejection, which the Promise.resolve() wrappers this rule asks for would not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The sandbox tests read raw response bodies (CallResult.json, typed any in test/sandbox/http-client.ts) and check
    // every field they read with an assertion; typing each body is left for later.
    files: ['test/sandbox/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    name: 'crosscheck/core-takes-no-process',
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'core takes its settings from the adapters' },
      ],
      'no-console': 'error',
    },
  },
  ...fences,
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
