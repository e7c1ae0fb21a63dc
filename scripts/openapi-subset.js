// Writes the structural subset of Atlassian's Bitbucket Cloud OpenAPI document that the tests check requests against.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/**
 * The operations Crosscheck (src/core/bitbucket) and its sandbox (src/sandbox) send or serve, plus a few neighbours
 * the tests use. Generous on purpose: a new call to one of these paths needs no regeneration.
 */
const OPERATIONS = {
  // doctor: who is this credential (API tokens; access tokens get a clear refusal)
  '/user': ['get'],
  // doctor --repo: does the credential see the repository; the sandbox's repository page
  '/repositories/{workspace}/{repo_slug}': ['get'],
  // the sandbox's commit, commit list and branch pages (the extension resolves HEAD through them)
  '/repositories/{workspace}/{repo_slug}/commit/{commit}': ['get'],
  '/repositories/{workspace}/{repo_slug}/commits': ['get'],
  '/repositories/{workspace}/{repo_slug}/refs/branches': ['get'],
  '/repositories/{workspace}/{repo_slug}/refs/branches/{name}': ['get'],
  // build statuses: status set (POST, PUT by key), status get (list, one by key)
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses': ['get'],
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build': ['post'],
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build/{key}': ['get', 'put'],
  // pull requests: a branch's open PR, the PR's statuses (extension panel, merge-check verdict)
  '/repositories/{workspace}/{repo_slug}/pullrequests': ['get'],
  '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}': ['get'],
  '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/statuses': ['get'],
  // a literal segment beside {pull_request_id}: the checker's literal-over-template rule is tested on it
  '/repositories/{workspace}/{repo_slug}/pullrequests/activity': ['get'],
  // pipelines: trigger (POST), follow (GET one), recent runs (list), stop, steps and their logs
  '/repositories/{workspace}/{repo_slug}/pipelines': ['get', 'post'],
  '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}': ['get'],
  '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/stopPipeline': ['post'],
  '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/steps': ['get'],
  '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/steps/{step_uuid}': ['get'],
  // the extension's run log: a step's log, read with Range
  '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/steps/{step_uuid}/log': ['get'],
  // Code Insights: sonar-gate --report/--annotations and action run --key
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports': ['get'],
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}': ['get', 'put', 'delete'],
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}/annotations': ['get', 'post'],
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}/annotations/{annotationId}': [
    'get',
    'put',
    'delete',
  ],
  // what a credential may do (doctor's hints)
  '/user/permissions/repositories': ['get'],
  '/user/permissions/workspaces': ['get'],
};

const DEFAULT_SOURCE = path.join('..', 'shared', 'bitbucket-cloud-openapi.v3.json');
const SUBSET = path.join(__dirname, '..', 'test', 'openapi', 'bitbucket-openapi-subset.json');
const SOURCE_NAME = 'bitbucket-cloud-openapi.v3.json';
/** Prose and samples: not structure. `description` stays (empty) only where OpenAPI requires it (responses). */
const PROSE = new Set(['description', 'summary', 'title', 'example', 'examples', 'externalDocs', 'tags']);
/** Objects whose keys are names (of properties, paths, media types…), never keywords to drop. */
const NAME_MAPS = new Set([
  'properties',
  'patternProperties',
  'paths',
  'responses',
  'content',
  'headers',
  'schemas',
  'parameters',
  'requestBodies',
  'securitySchemes',
  'scopes',
  'mapping',
  'encoding',
  'variables',
]);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * The subset of `document` (parsed from `sourceText`): the listed operations with their parameters, request bodies,
 * responses, security and scopes; every component they reach through `$ref`, and the subtypes of those (the request
 * checker dispatches on the discriminator); no prose.
 */
function buildSubset(document, sourceText, operations = OPERATIONS) {
  const paths = {};
  for (const [template, methods] of Object.entries(operations)) {
    const item = document.paths?.[template];
    if (!item)
      throw new Error(`the source document has no path ${template}; update OPERATIONS in ${__filename}`);
    const kept = item.parameters ? { parameters: item.parameters } : {};
    for (const method of methods) {
      if (!item[method]) {
        const has = HTTP_METHODS.filter((name) => item[name]).join(', ');
        throw new Error(`the source document has no ${method.toUpperCase()} ${template} (it has ${has})`);
      }
      kept[method] = item[method];
    }
    paths[template] = kept;
  }
  const components = reachableComponents(document, paths);
  const subset = {
    openapi: document.openapi,
    info: {},
    'x-revision': document['x-revision'],
    'x-crosscheck-subset': {
      source: SOURCE_NAME,
      revision: document['x-revision'] ?? document.info?.version,
      sha256: crypto.createHash('sha256').update(sourceText).digest('hex'),
      generator: 'scripts/openapi-subset.js (npm run openapi:subset)',
    },
    servers: document.servers,
    paths,
    components,
  };
  // OpenAPI requires info.title and info.version: they stay, everything else of info goes.
  return {
    ...stripProse(subset, undefined),
    info: { title: document.info?.title, version: document.info?.version },
  };
}

/** Components reached from `roots` through `$ref` (every kind), plus subtypes of reached schemas below the root type. */
function reachableComponents(document, roots) {
  const all = document.components ?? {};
  const reached = new Map(); // "kind/name" → node
  const queue = [roots];
  const subtypes = subtypeIndex(all.schemas ?? {});
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string') enqueue(node.$ref);
    for (const value of Object.values(node)) visit(value);
  };
  const enqueue = (ref) => {
    const match = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
    if (!match) throw new Error(`unsupported $ref ${ref}`);
    const [, kind, name] = match;
    const key = `${kind}/${name}`;
    if (reached.has(key)) return;
    const target = all[kind]?.[name];
    if (target === undefined) throw new Error(`the source document has no ${ref}`);
    reached.set(key, target);
    queue.push(target);
    if (kind === 'schemas' && !target.discriminator) {
      for (const subtype of subtypes.get(name) ?? []) enqueue(`#/components/schemas/${subtype}`);
    }
  };
  while (queue.length > 0) visit(queue.shift());
  const components = {};
  for (const key of [...reached.keys()].sort()) {
    const [kind, ...rest] = key.split('/');
    const name = rest.join('/');
    components[kind] = components[kind] ?? {};
    components[kind][name] = reached.get(key);
  }
  // The security requirements name these schemes; they are referenced by name, not by $ref.
  if (all.securitySchemes) components.securitySchemes = all.securitySchemes;
  return components;
}

/** For each schema, the schemas that name it in their `allOf` (its direct subtypes). */
function subtypeIndex(schemas) {
  const index = new Map();
  for (const [name, schema] of Object.entries(schemas)) {
    for (const branch of Array.isArray(schema.allOf) ? schema.allOf : []) {
      const parent = /^#\/components\/schemas\/(.+)$/.exec(branch.$ref ?? '')?.[1];
      if (parent) index.set(parent, [...(index.get(parent) ?? []), name]);
    }
  }
  return index;
}

/** A copy without prose keywords; keys of name maps are kept whatever they are called. */
function stripProse(node, parentKey) {
  if (Array.isArray(node)) return node.map((item) => stripProse(item, undefined));
  if (!node || typeof node !== 'object') return node;
  const namesHere = NAME_MAPS.has(parentKey);
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!namesHere && (PROSE.has(key) || key === 'x-atlassian-narrative')) continue;
    out[key] = stripProse(value, namesHere ? undefined : key);
  }
  // A Response Object must have a description (OpenAPI 3.0); keep it, empty, so the subset stays a valid document.
  if (parentKey === 'responses') {
    for (const response of Object.values(out)) if (response && !response.$ref) response.description = '';
  }
  // Scopes map names to prose: keep the names.
  if (parentKey === 'flows') {
    for (const flow of Object.values(out)) {
      if (flow?.scopes)
        flow.scopes = Object.fromEntries(Object.keys(flow.scopes).map((scope) => [scope, '']));
    }
  }
  return out;
}

/** The subset as committed: stable key order from the source, two-space JSON, final newline. */
function render(subset) {
  return `${JSON.stringify(subset, null, 2)}\n`;
}

function main(argv) {
  const check = argv.includes('--check');
  const given = argv.filter((arg) => !arg.startsWith('--'));
  const source = path.resolve(given[0] ?? DEFAULT_SOURCE);
  const out = path.resolve(argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : SUBSET);
  if (!fs.existsSync(source)) {
    console.error(
      `${source} is missing: give the path of Atlassian's Bitbucket Cloud OpenAPI document ` +
        `(npm run openapi:subset -- PATH; by default ${DEFAULT_SOURCE} beside the checkout)`,
    );
    return 2;
  }
  const sourceText = fs.readFileSync(source);
  let text;
  try {
    text = render(buildSubset(JSON.parse(sourceText.toString('utf8')), sourceText));
  } catch (error) {
    console.error(`${source}: ${error.message}`);
    return 1;
  }
  const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
  if (check) {
    if (current === text) {
      console.log(`${path.relative(process.cwd(), out)} is up to date with ${source}`);
      return 0;
    }
    console.error(
      `${path.relative(process.cwd(), out)} differs from what ${source} gives: ` +
        'run `npm run openapi:subset`, review the diff and commit it',
    );
    return 1;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  console.log(
    `${path.relative(process.cwd(), out)}: ${Object.keys(JSON.parse(text).paths).length} paths, ` +
      `${Buffer.byteLength(text)} bytes${current === text ? ' (unchanged)' : ''}`,
  );
  return 0;
}

module.exports = { OPERATIONS, buildSubset, render };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
