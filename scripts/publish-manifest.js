// Gives the npm tarball a manifest without what only this repository uses: `npm pack` and `npm publish` run
// `strip` before packing (prepack) and `restore` after (postpack), so the published package.json has no scripts
// (an install would warn about `prepare: node esbuild.js`, which is not shipped), no devDependencies, and none of the
// VS Code extension's fields (the extension ships as a .vsix; npm would otherwise pack `main`, dist/extension.js).
//
//   node scripts/publish-manifest.js strip|restore
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const MANIFEST = path.join(__dirname, '..', 'package.json');
/** The manifest as it was before `strip`; kept outside what npm packs. */
const BACKUP = path.join(__dirname, '..', 'node_modules', '.crosscheck-package.json');
/** Fields only the repository or the .vsix needs (one manifest serves npm and VS Code in the repository). */
const DEV_ONLY = [
  'scripts',
  'devDependencies',
  'main',
  'contributes',
  'activationEvents',
  'capabilities',
  'galleryBanner',
  'categories',
  'icon',
];

/** The manifest npm should publish: `manifest` without the dev-only fields. */
function publishedManifest(manifest) {
  const published = { ...manifest };
  for (const field of DEV_ONLY) delete published[field];
  return published;
}

function strip() {
  const text = fs.readFileSync(MANIFEST, 'utf8');
  // A strip left by a pack that stopped half-way: the backup is the real manifest, keep it.
  if (fs.existsSync(BACKUP) && !('scripts' in JSON.parse(text))) return;
  fs.mkdirSync(path.dirname(BACKUP), { recursive: true });
  fs.writeFileSync(BACKUP, text);
  fs.writeFileSync(MANIFEST, `${JSON.stringify(publishedManifest(JSON.parse(text)), null, 2)}\n`);
}

function restore() {
  if (!fs.existsSync(BACKUP)) return;
  fs.writeFileSync(MANIFEST, fs.readFileSync(BACKUP, 'utf8'));
  fs.rmSync(BACKUP);
}

if (require.main === module) {
  const command = process.argv[2];
  if (command === 'strip') strip();
  else if (command === 'restore') restore();
  else {
    console.error('usage: node scripts/publish-manifest.js strip|restore');
    process.exit(2);
  }
}

module.exports = { publishedManifest, DEV_ONLY };
