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
  // `crosscheck workflow` alone loads GitHub's workflow parser (@actions/workflow-parser, bundled in this chunk).
  { dir: 'src/runner/workflow', out: 'workflow' },
  // GitHub's expression evaluator (ESM): only actions with `${{ }}` load it.
  {
    module: '@actions/expressions',
    // Its subpaths the workflow parser imports resolve to the same chunk (scripts/expressions-chunk.mjs exports them).
    submodules: ['@actions/expressions/ast', '@actions/expressions/features'],
    entry: 'scripts/expressions-chunk.mjs',
    out: 'expressions',
  },
  // The HTTP stack, loaded on the first request: `action run` without --key and --help never compile it. The
  // extension keeps it inside its one file (the .vsix ships dist/extension.js alone).
  {
    module: 'node-fetch',
    entry: 'node_modules/node-fetch/src/index.js',
    out: 'fetch',
    inlineIn: ['extension'],
  },
  {
    module: 'https-proxy-agent',
    entry: 'node_modules/https-proxy-agent/dist/index.js',
    out: 'proxy-agent',
    inlineIn: ['extension'],
  },
  // The YAML parser, shared by the action engine (action.yml) and the sandbox (bitbucket-pipelines.yml): one copy.
  // (The workflow chunk shares it too.)
  { module: 'yaml', entry: 'node_modules/yaml/dist/index.js', out: 'yaml' },
];

/** One entry per shipped artefact; entries whose source is not there yet are skipped. */
const entries = [
  { in: 'src/runner/cli.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/runner/action.ts', out: 'action' },
  { in: 'src/extension/extension.ts', out: 'extension', external: ['vscode'] },
  // Started by `action run` ahead of a phase, so the action's Node.js boots while the runner prepares it.
  { in: 'src/runner/action-engine/warm-node.ts', out: 'warm-node' },
  ...chunks.map((chunk) => ({ in: chunk.entry ?? `${chunk.dir}/index.ts`, out: chunk.out, chunk })),
].filter((entry) => fs.existsSync(path.join(__dirname, entry.in)));

/** Resolves imports of a chunk's folder or package (from outside it) to the chunk's own file in dist/. */
const chunkPlugin = (self, out) => ({
  name: 'chunks',
  setup(build) {
    const separate = (candidate) =>
      candidate.module && candidate !== self && !candidate.inlineIn?.includes(out);
    for (const chunk of chunks.filter(separate)) {
      for (const name of [chunk.module, ...(chunk.submodules ?? [])]) {
        const filter = new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`);
        build.onResolve({ filter }, () => ({ path: `./${chunk.out}.js`, external: true }));
      }
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
 * fetch-blob's streams.cjs installs web streams and Blob#stream where Node.js lacks them (before 16.5 and 18). Node 20
 * has both, and its test (`globalThis.ReadableStream`) makes Node.js load its whole web-streams implementation at
 * start-up, which no request of Crosscheck's uses: left out of the bundle.
 */
const noBlobStreamsShim = {
  name: 'no-blob-streams-shim',
  setup(build) {
    build.onResolve({ filter: /^\.\/streams\.cjs$/ }, (args) =>
      /[\\/]fetch-blob[\\/]/.test(args.importer) ? { path: 'streams.cjs', namespace: 'unused' } : undefined,
    );
  },
};

/**
 * Node.js modules a library loads at start-up but uses only on some paths, loaded instead on first use: commander's
 * child_process (executable subcommands, which Crosscheck does not use), and node-fetch's https (TLS and crypto, only
 * for an https URL) and zlib (only for a compressed answer). Every command saves their load; a request to a plain-http
 * stand-in (the sandbox) never pays for TLS. The action engine hashes only for hashFiles(), a Code Insights report
 * and a fetched action: node:crypto (some forty modules) loads then, not with every action (`functions`: the named
 * imports of an ES module, each a function that loads the module when called).
 */
const LAZY_BUILTINS = [
  { importer: /[\\/]commander[\\/]/, modules: ['child_process'] },
  { importer: /[\\/]node-fetch[\\/]/, modules: ['https', 'zlib'] },
  { importer: /[\\/]src[\\/]runner[\\/]action-engine[\\/]/, modules: ['crypto'], functions: ['createHash'] },
];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?(child_process|crypto|https|zlib)$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      const rule = LAZY_BUILTINS.find(
        (candidate) => candidate.importer.test(args.importer) && candidate.modules.includes(name),
      );
      return rule ? { path: name, namespace: 'lazy', pluginData: rule } : undefined;
    });
    // `__esModule` is answered without loading: the bundle's interop helper asks it of every module it imports.
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: args.pluginData.functions
        ? args.pluginData.functions
            .map(
              (name) =>
                `export function ${name}(...args) { return require('node:${args.path}').${name}(...args); }`,
            )
            .join('\n')
        : `module.exports = new Proxy({}, { get: (_, name) => name === '__esModule' ? undefined : ` +
          `require('node:${args.path}')[name] });`,
      loader: 'js',
    }));
  },
};

/**
 * @actions/workflow-parser imports cronstrue only to describe cron schedules in English for editors
 * (getCronDescription, which returns nothing when it throws); parsing and validating never call it.
 */
const noCronDescriptions = {
  name: 'no-cron-descriptions',
  setup(build) {
    build.onResolve({ filter: /^cronstrue$/ }, () => ({ path: 'cronstrue', namespace: 'unused-cronstrue' }));
    build.onLoad({ filter: /.*/, namespace: 'unused-cronstrue' }, () => ({
      contents: "module.exports = { toString() { throw new Error('cron descriptions are not bundled'); } };",
      loader: 'js',
    }));
  },
};

/**
 * GitHub's workflow schema carries a description for every key, for editors' hovers; validation never reads them.
 * Leaving them out halves the schema the workflow chunk carries.
 */
const workflowSchemaWithoutDescriptions = {
  name: 'workflow-schema-without-descriptions',
  setup(build) {
    build.onLoad({ filter: /workflow-parser[\\/]dist[\\/]workflow-v1\.0\.min\.json$/ }, async (args) => {
      const strip = (value) => {
        if (Array.isArray(value)) return value.map(strip);
        if (value === null || typeof value !== 'object') return value;
        const kept = {};
        for (const [key, entry] of Object.entries(value)) if (key !== 'description') kept[key] = strip(entry);
        return kept;
      };
      const schema = JSON.parse(await fs.promises.readFile(args.path, 'utf8'));
      return { contents: JSON.stringify(strip(schema)), loader: 'json' };
    });
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
        plugins: [
          chunkPlugin(entry.chunk, entry.out),
          noStreamsPolyfill,
          noBlobStreamsShim,
          noCronDescriptions,
          workflowSchemaWithoutDescriptions,
          lazyBuiltins,
        ],
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
