// Bundles each entry point (CLI, GitHub-style action, VS Code extension) into dist/ with every dependency inlined.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const release = process.argv.includes('--release');
const watch = process.argv.includes('--watch');
const version = require('./package.json').version;

/** One entry per shipped artefact; entries whose source is not there yet are skipped. */
const entries = [
  { in: 'src/runner/cli.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/runner/action.ts', out: 'action' },
  { in: 'src/extension/extension.ts', out: 'extension', external: ['vscode'] },
].filter((entry) => fs.existsSync(path.join(__dirname, entry.in)));

async function main() {
  const contexts = await Promise.all(
    entries.map((entry) =>
      esbuild.context({
        entryPoints: { [entry.out]: entry.in },
        outdir: 'dist',
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        minify: release,
        sourcemap: !release,
        legalComments: 'none',
        external: entry.external ?? [],
        banner: entry.banner ? { js: entry.banner } : undefined,
        define: { CROSSCHECK_VERSION: JSON.stringify(version) },
        logLevel: 'warning',
      }),
    ),
  );
  if (watch) {
    await Promise.all(contexts.map((context) => context.watch()));
    return;
  }
  await Promise.all(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.dispose()));
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
