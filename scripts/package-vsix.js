// Packs the .vsix from a staging folder: vsce refuses a package.json `files` list (the npm tarball's) beside .vscodeignore.
//
//   node scripts/package-vsix.js [--source DIR] [--out FILE] [--no-prepublish] [-- <more vsce package flags>]
//
// --source  the built extension folder (default: this repository); --out  the .vsix (default: dist/crosscheck.vsix);
// --no-prepublish  skip `npm run vscode:prepublish` (type-check, lint, release build) in the source folder.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPOSITORY = path.resolve(__dirname, '..');
/** What the .vsix may hold; .vscodeignore (staged too) keeps `vsce ls` and the package in step. */
const STAGED = ['.vscodeignore', 'LICENSE', 'CHANGELOG.md', 'dist/extension.js', 'media'];
/** The extension's own page (users', not the developers' README.md), staged as the .vsix's README.md. */
const EXTENSION_README = 'media/readme/README.md';
/** Files under a staged folder that stay out of the .vsix. */
const UNSHIPPED = ['media/tsconfig.json', EXTENSION_README];

function parseArguments(argv) {
  const options = {
    source: REPOSITORY,
    out: path.join(REPOSITORY, 'dist', 'crosscheck.vsix'),
    prepublish: true,
  };
  const dashes = argv.indexOf('--');
  options.vsceFlags = dashes < 0 ? [] : argv.slice(dashes + 1);
  const own = dashes < 0 ? argv : argv.slice(0, dashes);
  for (let index = 0; index < own.length; index++) {
    const flag = own[index];
    if (flag === '--no-prepublish') options.prepublish = false;
    else if ((flag === '--source' || flag === '--out') && own[index + 1] !== undefined)
      options[flag.slice(2)] = path.resolve(own[++index]);
    else
      throw new Error(
        `unknown argument ${JSON.stringify(flag)} (see the comment at the top of ${__filename})`,
      );
  }
  return options;
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status})`);
}

function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.prepublish) run('npm', ['run', 'vscode:prepublish'], options.source);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-vsix-'));
  try {
    for (const entry of STAGED) {
      const from = path.join(options.source, entry);
      if (!fs.existsSync(from))
        throw new Error(`${from} is missing: build the extension first (npm run build)`);
      fs.cpSync(from, path.join(staging, entry), { recursive: true });
    }
    // Not for the .vsix: the webview script's type-check config, and the README staged as the root one below
    // (vsce's .vscodeignore cannot re-exclude files under an included folder).
    for (const unshipped of UNSHIPPED) fs.rmSync(path.join(staging, unshipped), { force: true });
    fs.writeFileSync(
      path.join(staging, 'README.md'),
      extensionReadme(fs.readFileSync(path.join(options.source, EXTENSION_README), 'utf8')),
    );
    // The npm `files` list and the scripts stay behind: vsce would refuse the first and re-run the second.
    const manifest = JSON.parse(fs.readFileSync(path.join(options.source, 'package.json'), 'utf8'));
    delete manifest.files;
    delete manifest.scripts;
    fs.writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    const vsce = path.join(REPOSITORY, 'node_modules', '.bin', 'vsce');
    run(vsce, ['package', '--no-dependencies', '-o', options.out, ...options.vsceFlags], staging);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The extension README as the .vsix's root README.md: its relative links (the screenshot beside it) are made relative
 * to the package root, where vsce and VS Code resolve them.
 */
function extensionReadme(text) {
  const folder = path.posix.dirname(EXTENSION_README);
  return text.replace(/(\]\()(?![a-z]+:|#|\/)([^)\s]+)/g, (_, open, target) => `${open}${folder}/${target}`);
}

module.exports = { extensionReadme, EXTENSION_README };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`package-vsix: ${error.message}`);
    process.exit(1);
  }
}
