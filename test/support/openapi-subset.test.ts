// The OpenAPI subset generator (scripts/openapi-subset.js) and the subset it committed: complete, self-contained, no prose.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOpenApiSubset, OPENAPI_SUBSET } from './openapi';

type Json = { [key: string]: unknown };
interface SubsetScript {
  OPERATIONS: Record<string, string[]>;
  buildSubset(document: Json, sourceText: string | Buffer, operations?: Record<string, string[]>): Json;
  render(subset: Json): string;
}

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts', 'openapi-subset.js');
const loadScript = createRequire(__filename);
const script = loadScript(SCRIPT) as SubsetScript;

/** A copy of `value` (JSON only). */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function runScript(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every `$ref` in a node, with where it was found. */
function refsOf(node: unknown, at = '#'): { ref: string; at: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => refsOf(item, `${at}/${index}`));
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node as Json).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [{ ref: value, at }] : refsOf(value, `${at}/${key}`),
  );
}

describe('the committed OpenAPI subset', () => {
  const subset = loadOpenApiSubset() as unknown as Json;
  const paths = subset.paths as Record<string, Json>;

  it('holds every operation the generator lists, and no other', () => {
    const held = Object.entries(paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${template}`),
    );
    const listed = Object.entries(script.OPERATIONS).flatMap(([template, methods]) =>
      methods.map((method) => `${method.toUpperCase()} ${template}`),
    );
    assert.deepEqual(held.sort(), listed.sort());
  });

  it('resolves every $ref inside itself', () => {
    const dangling = refsOf(subset).filter(({ ref }) => {
      const found = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], subset);
      return found === undefined;
    });
    assert.deepEqual(dangling, []);
  });

  it('records the source document’s revision and sha256', () => {
    const origin = subset['x-crosscheck-subset'] as Json;
    assert.equal(origin.source, 'bitbucket-cloud-openapi.v3.json');
    assert.match(String(origin.revision), /^[0-9a-f]{12}$/);
    assert.equal(origin.revision, subset['x-revision']);
    assert.match(String(origin.sha256), /^[0-9a-f]{64}$/);
  });

  it('keeps scopes and security requirements of every operation', () => {
    const status = paths['/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build']
      ?.post as Json;
    assert.deepEqual(status['x-atlassian-oauth2-scopes'], [
      { state: 'Current', scheme: 'oauth2', scopes: ['read:repository:bitbucket'] },
    ]);
    assert.deepEqual(status.security, [{ oauth2: ['repository'] }, { basic: [] }, { api_key: [] }]);
    assert.ok((subset.components as Json).securitySchemes, 'security schemes are kept');
  });

  it('is committed as the generator renders it (stable JSON, final newline)', () => {
    const text = fs.readFileSync(path.join(ROOT, OPENAPI_SUBSET), 'utf8');
    assert.equal(text, script.render(JSON.parse(text) as Json));
  });
});

describe('the OpenAPI subset generator', () => {
  const committed = loadOpenApiSubset() as unknown as Json;

  /** The committed subset with prose, examples, an unlisted path and unreachable schemas put back in. */
  function noisyDocument(): Json {
    const document = copy(committed);
    delete document['x-crosscheck-subset'];
    document.info = { ...(document.info as Json), description: 'Code against the Bitbucket API.' };
    document['x-atlassian-narrative'] = { documents: [{ anchor: 'auth', title: 'Auth', body: '…' }] };
    document.tags = [{ name: 'Users', description: 'People' }];
    const paths = document.paths as Record<string, Json>;
    const user = paths['/user']?.get as Json;
    Object.assign(user, { summary: 'Get current user', description: 'Returns the user.', tags: ['Users'] });
    paths['/snippets'] = { get: { responses: { '200': { $ref: '#/components/responses/unused' } } } };
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    schemas.unreachable = { type: 'object', description: 'not used', example: { a: 1 } };
    // A subtype of the root type `object` is not pulled in by the root: only subtypes of other reached types are.
    schemas.gadget = { allOf: [{ $ref: '#/components/schemas/object' }, { type: 'object' }] };
    const commitstatus = schemas.commitstatus as Json;
    commitstatus.description = 'A commit status.';
    commitstatus.example = { key: 'x' };
    return document;
  }

  it('keeps only the listed operations and what they reach, without prose', () => {
    const text = JSON.stringify(noisyDocument());
    const rebuilt = script.buildSubset(JSON.parse(text) as Json, text);
    assert.deepEqual(rebuilt.paths, committed.paths);
    assert.deepEqual(rebuilt.components, committed.components);
    assert.deepEqual(rebuilt['x-crosscheck-subset'], {
      ...(committed['x-crosscheck-subset'] as Json),
      sha256: createHash('sha256').update(text).digest('hex'),
    });
  });

  it('keeps properties named like prose keywords, and subtypes of reached types', () => {
    const document = {
      openapi: '3.0.0',
      info: { title: 'T', version: '1', description: 'dropped' },
      'x-revision': 'abc',
      paths: {
        '/things': {
          post: {
            summary: 'dropped',
            requestBody: {
              content: { 'application/json': { schema: { $ref: '#/components/schemas/thing' } } },
            },
            responses: { '201': { description: 'Created.' } },
          },
        },
      },
      components: {
        schemas: {
          object: { type: 'object', discriminator: { propertyName: 'type' }, description: 'root' },
          thing: {
            allOf: [{ $ref: '#/components/schemas/object' }],
            properties: {
              description: { type: 'string', description: 'dropped' },
              title: { type: 'string' },
            },
            example: { description: 'dropped' },
          },
          special_thing: { allOf: [{ $ref: '#/components/schemas/thing' }] },
          other: { allOf: [{ $ref: '#/components/schemas/object' }] },
        },
      },
    };
    const subset = script.buildSubset(document, 'source', { '/things': ['post'] });
    const schemas = (subset.components as Json).schemas as Record<string, Json>;
    assert.deepEqual(Object.keys(schemas).sort(), ['object', 'special_thing', 'thing']);
    assert.deepEqual(schemas.thing, {
      allOf: [{ $ref: '#/components/schemas/object' }],
      properties: { description: { type: 'string' }, title: { type: 'string' } },
    });
    // OpenAPI requires a response's description: it stays, empty.
    assert.deepEqual(((subset.paths as Json)['/things'] as Json).post, {
      requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/thing' } } } },
      responses: { '201': { description: '' } },
    });
    assert.deepEqual(subset.info, { title: 'T', version: '1' });
  });

  it('refuses a source that lacks a listed operation, saying which', () => {
    const document = noisyDocument();
    delete (
      (document.paths as Record<string, Json>)['/repositories/{workspace}/{repo_slug}/pipelines'] as Json
    ).post;
    assert.throws(
      () => script.buildSubset(document, '{}'),
      /the source document has no POST \/repositories\/\{workspace\}\/\{repo_slug\}\/pipelines \(it has get\)/,
    );
  });

  describe('npm run openapi:subset', () => {
    let dir: string;
    let source: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-openapi-'));
      source = path.join(dir, 'bitbucket-cloud-openapi.v3.json');
      fs.writeFileSync(source, JSON.stringify(noisyDocument()));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('writes the subset, and --check passes on it and fails on drift', () => {
      const out = path.join(dir, 'subset.json');
      const written = runScript([source, '--out', out]);
      assert.equal(written.status, 0, written.stderr);
      assert.match(
        written.stdout,
        new RegExp(`subset\\.json: ${Object.keys(script.OPERATIONS).length} paths, \\d+ bytes`),
      );
      assert.equal(runScript([source, '--out', out, '--check']).status, 0);
      fs.appendFileSync(out, ' ');
      const drift = runScript([source, '--out', out, '--check']);
      assert.equal(drift.status, 1);
      assert.match(
        drift.stderr,
        /differs from what .* gives: run `npm run openapi:subset`, review the diff and commit it/,
      );
    });

    it('says where to find the document when it is missing (exit 2)', () => {
      const missing = runScript([path.join(dir, 'nowhere.json'), '--out', path.join(dir, 'unused.json')]);
      assert.equal(missing.status, 2);
      assert.match(
        missing.stderr,
        /nowhere\.json is missing: give the path of Atlassian's Bitbucket Cloud OpenAPI/,
      );
      assert.equal(fs.existsSync(path.join(dir, 'unused.json')), false);
    });
  });
});
