// The code cache of the bundles: written once per command into a private folder, used only from there, and a bad
// cache (planted, corrupt, in a folder others can write) never changes what runs.
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableCompileCache } from '../../src/runner/compile-cache';
import { runCrosscheck } from '../support/cli';

describe('compile cache of the bundles', function () {
  this.timeout(60_000);
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'crosscheck-code-cache-test-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /** `status set --dry-run`: loads the runtime, sends nothing. */
  const dryRun = (env: Record<string, string>) =>
    runCrosscheck(
      [
        'status',
        'set',
        '--repo',
        'acme/web-app',
        '--commit',
        'a'.repeat(40),
        '--key',
        'cache',
        '--state',
        'passed',
        '--url',
        'https://ci.example.com/1',
        '--dry-run',
      ],
      { env },
    );
  const cacheFiles = (folder: string) => readdirSync(folder).filter((name) => name.endsWith('.v8'));

  it('writes the code of the bundles a command ran, 0600 in a 0700 folder, and leaves it as it is on the next start', async () => {
    const first = await dryRun({ NODE_COMPILE_CACHE: scratch });
    assert.equal(first.code, 0, first.stderr);
    const folder = join(scratch, 'crosscheck');
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const files = cacheFiles(folder);
    assert.ok(
      files.some((name) => name.startsWith('runtime-')),
      `no cache of the runtime bundle: ${files.join(', ')}`,
    );
    const before = files.map((name) => [name, statSync(join(folder, name))] as const);
    for (const [, stat] of before) assert.equal(stat.mode & 0o777, 0o600);
    const second = await dryRun({ NODE_COMPILE_CACHE: scratch });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    for (const [name, stat] of before) {
      assert.equal(statSync(join(folder, name)).mtimeMs, stat.mtimeMs, `${name} was written again`);
    }
    // Node.js flags of their own (V8 refuses code cached under other flags): entries of their own, kept once written.
    const flagged = { NODE_COMPILE_CACHE: scratch, NODE_OPTIONS: '--stack-trace-limit=50' };
    assert.equal((await dryRun(flagged)).code, 0);
    const withFlags = cacheFiles(folder).filter((name) => !files.includes(name));
    assert.ok(withFlags.length > 0, 'no entry of their own for other flags');
    const stamps = withFlags.map((name) => statSync(join(folder, name)).mtimeMs);
    assert.equal((await dryRun(flagged)).code, 0);
    assert.deepEqual(
      withFlags.map((name) => statSync(join(folder, name)).mtimeMs),
      stamps,
      'entries under other flags were written again: V8 refused them',
    );
    for (const name of files) assert.ok(cacheFiles(folder).includes(name), `${name} was removed`);
    // Another command keeps its own entries beside them.
    const help = await runCrosscheck(['status', 'get', '--help'], { env: { NODE_COMPILE_CACHE: scratch } });
    assert.equal(help.code, 0, help.stderr);
    assert.ok(cacheFiles(folder).length > files.length, 'status get wrote no entry of its own');
    for (const name of files) assert.ok(cacheFiles(folder).includes(name), `${name} was removed`);
  });

  it('does not use an entry made from other contents (an earlier build) and replaces it, one per bundle and command', async () => {
    const folder = join(scratch, 'crosscheck');
    const first = await dryRun({ NODE_COMPILE_CACHE: scratch });
    assert.equal(first.code, 0, first.stderr);
    const runtime = cacheFiles(folder).filter((name) => name.startsWith('runtime-'));
    assert.equal(runtime.length, 1);
    // An entry of the same length in the same slot, made from other source: what an earlier build could leave.
    const entry = join(folder, runtime[0]!);
    const written = readFileSync(entry);
    const sourceBytes = written.readUInt32LE(0);
    const other = Buffer.from(written);
    other.fill(0x20, 4, 4 + sourceBytes);
    writeFileSync(entry, other);
    const second = await dryRun({ NODE_COMPILE_CACHE: scratch });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(readFileSync(entry).subarray(4, 4 + sourceBytes), written.subarray(4, 4 + sourceBytes));
    assert.deepEqual(
      cacheFiles(folder).filter((name) => name.startsWith('runtime-')),
      runtime,
      'one entry per bundle and command',
    );
  });

  it('replaces a corrupt cache file with a good one; what runs is the same', async () => {
    const clean = await dryRun({ NODE_COMPILE_CACHE: scratch });
    const folder = join(scratch, 'crosscheck');
    for (const name of cacheFiles(folder)) writeFileSync(join(folder, name), Buffer.alloc(4096, 0xa5));
    const corrupt = await dryRun({ NODE_COMPILE_CACHE: scratch });
    assert.equal(corrupt.code, 0, corrupt.stderr);
    assert.equal(corrupt.stdout, clean.stdout);
    for (const name of cacheFiles(folder)) {
      assert.notEqual(statSync(join(folder, name)).size, 4096, `${name} was left corrupt`);
    }
  });

  it('uses no folder others can write or that is a link, and writes nothing with NODE_DISABLE_COMPILE_CACHE=1', async () => {
    const open = join(scratch, 'open');
    mkdirSync(join(open, 'crosscheck'), { recursive: true });
    chmodSync(join(open, 'crosscheck'), 0o777);
    const elsewhere = join(scratch, 'elsewhere');
    mkdirSync(elsewhere);
    const linked = join(scratch, 'linked');
    mkdirSync(linked);
    symlinkSync(elsewhere, join(linked, 'crosscheck'));
    for (const cache of [open, linked]) {
      const result = await dryRun({ NODE_COMPILE_CACHE: cache });
      assert.equal(result.code, 0, result.stderr);
    }
    assert.deepEqual(cacheFiles(join(open, 'crosscheck')), []);
    assert.deepEqual(readdirSync(elsewhere), []);
    const disabled = join(scratch, 'disabled');
    const result = await dryRun({ NODE_COMPILE_CACHE: disabled, NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.throws(() => readdirSync(disabled), /ENOENT/);
  });

  it("runs a cached bundle as Node.js's loader does: its exports, require beside it, strict mode, and frames on its own lines and columns", () => {
    const dist = join(scratch, 'dist');
    mkdirSync(dist);
    writeFileSync(join(dist, 'helper.js'), '"use strict";module.exports = { twice: (n) => 2 * n };\n');
    writeFileSync(
      join(dist, 'bundle.js'),
      '"use strict";const { twice } = require("./helper.js"); exports.four = twice(2); exports.strict = (function () { return this; })() === undefined;\n' +
        // `new Error` starts at column 30 of line 2.
        'exports.fail = () => { throw new Error("at 2:30"); };\n',
    );
    enableCompileCache(dist, 'test', { NODE_COMPILE_CACHE: join(scratch, 'cache') });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the hooked CommonJS loader is what is tested
    const bundle = require(join(dist, 'bundle.js')) as { four: number; strict: boolean; fail: () => void };
    assert.equal(bundle.four, 4);
    assert.equal(bundle.strict, true);
    assert.throws(bundle.fail, (error: Error) => {
      assert.match(
        error.stack ?? '',
        new RegExp(`${join(dist, 'bundle.js').replace(/[.\\/]/g, '\\$&')}:2:30`),
      );
      return true;
    });
  });
});
