// Lint rules: typescript-eslint's recommended set, plus the layering rule that keeps core free of adapters.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.tools/**', '.artifacts/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['vscode'], patterns: ['**/runner/**', '**/extension/**', '**/sandbox/**'] },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'core takes its settings from the adapters' },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/core/**', '**/runner/**', '**/extension/**'] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
