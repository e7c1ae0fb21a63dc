// Bundles each entry point (CLI, GitHub-style action, VS Code extension) into dist/ with every dependency inlined.
const { decode, encode } = require('@jridgewell/sourcemap-codec');
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const release = process.argv.includes('--release');
const watch = process.argv.includes('--watch');
const version = require('./package.json').version;
const centralExample = (name) => fs.readFileSync(path.join(__dirname, 'examples', 'central', name), 'utf8');

/**
 * Code that lives in a file of its own: an import of one of these folders or packages from another bundle becomes
 * `require('./<chunk>.js')`. Parts only some commands need are split off so every other command starts without
 * compiling them; the runner's program is shared by the CLI and the action, so the package carries it once.
 */
const chunks = [
  { dir: 'src/runner/runtime', entry: 'src/runner/runtime.ts', out: 'runtime' },
  { dir: 'src/sandbox', out: 'sandbox' },
  { dir: 'src/runner/action-engine', out: 'actions' },
  // GitHub's expression evaluator (ESM): only actions with `${{ }}` load it.
  {
    module: '@actions/expressions',
    entry: 'node_modules/@actions/expressions/dist/index.js',
    out: 'expressions',
  },
  // The YAML parser, shared by the action engine (action.yml) and the sandbox (bitbucket-pipelines.yml): one copy.
  { module: 'yaml', entry: 'node_modules/yaml/dist/index.js', out: 'yaml' },
];

/** One entry per shipped artefact; entries whose source is not there yet are skipped. */
const entries = [
  { in: 'src/runner/cli.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/runner/action.ts', out: 'action' },
  { in: 'src/extension/extension.ts', out: 'extension', external: ['vscode'] },
  ...chunks.map((chunk) => ({ in: chunk.entry ?? `${chunk.dir}/index.ts`, out: chunk.out, chunk })),
].filter((entry) => fs.existsSync(path.join(__dirname, entry.in)));

/** Resolves imports of a chunk's folder or package (from outside it) to the chunk's own file in dist/. */
const chunkPlugin = (self) => ({
  name: 'chunks',
  setup(build) {
    for (const chunk of chunks.filter((candidate) => candidate.module && candidate !== self)) {
      const filter = new RegExp(`^${chunk.module.replace(/[/.]/g, '\\$&')}$`);
      build.onResolve({ filter }, () => ({ path: `./${chunk.out}.js`, external: true }));
    }
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = path
        .relative(__dirname, path.resolve(args.resolveDir, args.path))
        .replace(/\\/g, '/')
        .replace(/(\/index)?(\.[jt]s)?$/, '');
      const chunk = chunks.find(
        (candidate) => candidate !== self && candidate.dir && target === candidate.dir,
      );
      return chunk ? { path: `./${chunk.out}.js`, external: true } : undefined;
    });
  },
});

/**
 * fetch-blob falls back to a 200 KB web-streams polyfill only where Node lacks ReadableStream (before 16.5);
 * Node 20 has it, so the fallback is left out of the bundle.
 */
const noStreamsPolyfill = {
  name: 'no-web-streams-polyfill',
  setup(build) {
    build.onResolve({ filter: /^web-streams-polyfill/ }, () => ({
      path: 'web-streams-polyfill',
      namespace: 'unused',
    }));
    build.onLoad({ filter: /.*/, namespace: 'unused' }, () => ({
      contents: 'module.exports = {};',
      loader: 'js',
    }));
  },
};

/**
 * commander loads child_process at start-up for executable subcommands, which Crosscheck does not use; loading it
 * only on first use saves every command several milliseconds.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

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
        // Minified code compiles faster at start-up; source maps keep stack traces readable (see ownSourcesOnly).
        minify: true,
        // import() of a chunk becomes require(): Node's ESM loader would scan the CommonJS chunk before loading it.
        supported: { 'dynamic-import': false },
        sourcemap: !release,
        sourcesContent: false,
        legalComments: 'none',
        external: entry.external ?? [],
        banner: entry.banner ? { js: entry.banner } : undefined,
        define: {
          CROSSCHECK_VERSION: JSON.stringify(version),
          // The sandbox plays the bundled central example; dist runs without the checkout.
          CROSSCHECK_CENTRAL_PIPELINE: JSON.stringify(centralExample('bitbucket-pipelines.yml')),
          CROSSCHECK_CENTRAL_SONAR_SETTINGS: JSON.stringify(centralExample('sonar-central.properties')),
        },
        plugins: [chunkPlugin(entry.chunk), noStreamsPolyfill, lazyChildProcessForCommander],
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
  for (const entry of entries) {
    const map = path.join(__dirname, 'dist', `${entry.out}.js.map`);
    // A release build has no maps: one left from an earlier build would describe other code.
    if (release) fs.rmSync(map, { force: true });
    else ownSourcesOnly(map);
  }
  copyCodicons();
}

/**
 * Keeps only what a stack trace needs of a map: the mappings into Crosscheck's own sources (`src/…`), one per run of
 * code from the same source line, without names. A frame names our file and line (columns are approximate), frames in
 * bundled libraries keep their bundle position, and the maps the npm package ships are a fraction of the size.
 */
function ownSourcesOnly(mapFile) {
  const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
  const own = (source) => /^(\.\.\/)+src\//.test(source);
  const sources = [];
  const sourceIndex = new Map();
  const indexOf = (value) => {
    if (!sourceIndex.has(value)) sourceIndex.set(value, sources.push(value) - 1);
    return sourceIndex.get(value);
  };
  const lines = decode(map.mappings).map((segments) => {
    const kept = [];
    for (const [column, source, line, sourceColumn] of segments) {
      if (sourceColumn === undefined) continue;
      const previous = kept[kept.length - 1];
      const mapped = own(map.sources[source]) ? indexOf(map.sources[source]) : undefined;
      // A library segment ends our run with a segment of its own that maps nowhere (column only).
      if (mapped === undefined) {
        if (previous && previous.length > 1) kept.push([column]);
        continue;
      }
      if (previous && previous[1] === mapped && previous[2] === line) continue;
      kept.push([column, mapped, line, sourceColumn]);
    }
    return kept;
  });
  if (sources.length > 0) {
    fs.writeFileSync(mapFile, JSON.stringify({ ...map, sources, names: [], mappings: encode(lines) }));
    return;
  }
  // A bundle of library code only (GitHub's expression evaluator) keeps no map, nor a comment pointing at one.
  fs.rmSync(mapFile);
  const bundle = mapFile.replace(/\.map$/, '');
  fs.writeFileSync(bundle, fs.readFileSync(bundle, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

/** The webview's icon font ships in media/ (the .vsix leaves node_modules out). */
function copyCodicons() {
  const from = path.join(__dirname, 'node_modules', '@vscode', 'codicons', 'dist');
  const to = path.join(__dirname, 'media', 'codicons');
  fs.mkdirSync(to, { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf'])
    fs.copyFileSync(path.join(from, file), path.join(to, file));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
