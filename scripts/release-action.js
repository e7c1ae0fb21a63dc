// Writes what a release ref of the action holds (action.yml, the dist files it loads, README, LICENSE) into a folder.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');

const ROOT = path.join(__dirname, '..');
/** Besides action.yml and the code: what a user reading the release ref needs. */
const DOCUMENTS = ['README.md', 'LICENSE', 'CHANGELOG.md'];
/** What may already be in the folder: a previous release written by this script, and git's own folder. */
const PREVIOUS_RELEASE = new Set(['.git', 'action.yml', 'dist', ...DOCUMENTS]);

/** The dist files `entry` loads, itself included, following `require("./x.js")` between bundles; maps beside them. */
function distFilesOf(entries) {
  const found = new Set();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = path.posix.normalize(queue.shift());
    if (found.has(file)) continue;
    const absolute = path.join(ROOT, file);
    if (!fs.existsSync(absolute)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    found.add(file);
    if (fs.existsSync(`${absolute}.map`)) found.add(`${file}.map`);
    const code = fs.readFileSync(absolute, 'utf8');
    for (const [, chunk] of code.matchAll(/require\("\.\/([\w.-]+\.js)"\)/g))
      queue.push(path.posix.join(path.posix.dirname(file), chunk));
  }
  return [...found].sort();
}

/** The files of the release, relative to the repository (and to the release folder). */
function releaseFiles() {
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));
  const runs = action?.runs ?? {};
  if (!/^node\d+$/.test(String(runs.using)))
    throw new Error(`action.yml runs.using is ${runs.using}: this script releases a JavaScript action`);
  const entries = ['pre', 'main', 'post']
    .map((stage) => runs[stage])
    .filter((file) => typeof file === 'string');
  return ['action.yml', ...DOCUMENTS, ...distFilesOf(entries)];
}

/** Empties `dir` of a previous release (refusing anything else in it) and writes this one. */
function writeRelease(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const strangers = fs.readdirSync(dir).filter((name) => !PREVIOUS_RELEASE.has(name));
  if (strangers.length > 0) {
    throw new Error(
      `${dir} holds ${strangers.join(', ')}: give an empty folder or a checkout of a previous release ` +
        '(nothing but .git, action.yml, dist/ and the documents)',
    );
  }
  for (const name of PREVIOUS_RELEASE)
    if (name !== '.git') fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  const files = releaseFiles();
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  return files;
}

function main(argv) {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    console.error('usage: npm run release:action -- DIR   (DIR: empty, or a checkout of the release branch)');
    return 2;
  }
  const dir = path.resolve(argv[0]);
  try {
    const files = writeRelease(dir);
    console.log(`${dir}:\n${files.map((file) => `  ${file}`).join('\n')}`);
    console.log(
      `Next: commit it on the release branch, tag it v${require('../package.json').version} and move the major tag ` +
        '(see README, "Releasing").',
    );
    return 0;
  } catch (error) {
    console.error(`release:action: ${error.message}`);
    return 1;
  }
}

module.exports = { releaseFiles, writeRelease };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
