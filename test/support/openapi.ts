// Checks requests the client sends in tests against the repository's subset of Atlassian's Bitbucket Cloud OpenAPI document.
import { AssertionError } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/** One HTTP request as a test saw it. `path` may carry the `/2.0` server base, a query string, or be a full URL. */
export interface RequestToCheck {
  method: string;
  path: string;
  query?: Record<string, string | readonly string[]>;
  /** The parsed JSON body (a string is parsed when the content type is JSON); undefined, null or '' means none. */
  body?: unknown;
  /** Defaults to application/json when a body is present. */
  contentType?: string;
}

/** What the document says about one request: `ok` exactly when `problems` is empty. */
export interface OpenApiCheck {
  ok: boolean;
  /** The document's path template the request matched, e.g. `/repositories/{workspace}/{repo_slug}/pipelines`. */
  pathTemplate?: string;
  /** Many Bitbucket operations have none (the build-status ones, for example). */
  operationId?: string;
  problems: string[];
}

/** The fields of a recorded request this module reads; the sandbox's recorded requests have at least these. */
export interface RecordedRequestLike {
  method: string;
  path: string;
  query?: Record<string, string | readonly string[]> | URLSearchParams;
  body?: unknown;
  headers?: Record<string, string | readonly string[] | undefined>;
}

/** The parts of an OpenAPI 3.0 document this module reads. */
export interface OpenApiDocument {
  servers?: { url: string }[];
  paths: Record<string, PathItem>;
  components?: {
    schemas?: Record<string, SchemaNode>;
    requestBodies?: Record<string, RequestBody>;
    parameters?: Record<string, Parameter>;
  };
}

type SchemaNode = { [keyword: string]: unknown };
interface Reference {
  $ref: string;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: SchemaNode;
}
interface RequestBody {
  required?: boolean;
  content?: Record<string, { schema?: SchemaNode }>;
}
interface Operation {
  operationId?: string;
  parameters?: (Parameter | Reference)[];
  requestBody?: RequestBody | Reference;
  security?: Record<string, string[]>[];
  'x-atlassian-oauth2-scopes'?: { scheme?: string; state?: string; scopes?: string[] }[];
}
type PathItem = { parameters?: (Parameter | Reference)[] } & { [method: string]: unknown };

/** The structural subset of Atlassian's document that `npm run openapi:subset` writes (scripts/openapi-subset.js). */
export const OPENAPI_SUBSET = 'test/openapi/bitbucket-openapi-subset.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** The id under which the request-flavoured component schemas are registered with ajv. */
const SCHEMAS_ID = 'bitbucket-openapi-request-schemas';
/** OpenAPI keywords that are not JSON Schema validation and only get in ajv's way. */
const DROPPED_KEYWORDS = new Set(['discriminator', 'example', 'externalDocs', 'xml', 'nullable']);

/** True for requests to Bitbucket's REST API (under `/2.0`), false for the OAuth token endpoint, Sonar, sandbox control. */
export function isBitbucketApiRequest(requestPath: string): boolean {
  const { pathname } = splitTarget(requestPath);
  return pathname === '/2.0' || pathname.startsWith('/2.0/');
}

/** Turns a recorded request (method, path, query, parsed body, headers) into a request to check. */
export function fromRecordedRequest(recorded: RecordedRequestLike): RequestToCheck {
  const query: Record<string, string[]> = {};
  const entries =
    recorded.query instanceof URLSearchParams ? [...recorded.query] : Object.entries(recorded.query ?? {});
  for (const [name, value] of entries) query[name] = [...(query[name] ?? []), ...toList(value)];
  const contentType = recorded.headers?.['content-type'] ?? recorded.headers?.['Content-Type'];
  return {
    method: recorded.method,
    path: recorded.path,
    query,
    body: recorded.body,
    contentType: contentType === undefined ? undefined : toList(contentType)[0],
  };
}

/** The parsed subset of Atlassian's document (read once); tests that read schemas directly start here. */
export function loadOpenApiSubset(): OpenApiDocument {
  return BitbucketOpenApi.load().document;
}

/** Atlassian's Bitbucket Cloud OpenAPI document, ready to check requests against; validators compile lazily, once. */
export class BitbucketOpenApi {
  private static readonly loaded = new Map<string, BitbucketOpenApi>();

  private readonly basePath: string;
  private readonly templatesBySegmentCount = new Map<number, PathTemplate[]>();
  private readonly ajv: Ajv;
  private readonly requestSchemas: RequestSchemas;
  private readonly validators = new Map<string, ValidateFunction>();

  /** Reads the document once per path (by default the repository's subset) and keeps it for later calls. */
  static load(documentPath?: string): BitbucketOpenApi {
    const file = documentPath ?? path.resolve(repositoryRoot(), OPENAPI_SUBSET);
    const cached = BitbucketOpenApi.loaded.get(file);
    if (cached) return cached;
    if (!fs.existsSync(file)) {
      throw new Error(
        `${documentPath ?? OPENAPI_SUBSET} is missing: regenerate the subset of Atlassian's Bitbucket Cloud ` +
          'OpenAPI document with `npm run openapi:subset -- PATH/bitbucket-cloud-openapi.v3.json`',
      );
    }
    const api = new BitbucketOpenApi(JSON.parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument);
    BitbucketOpenApi.loaded.set(file, api);
    return api;
  }

  constructor(readonly document: OpenApiDocument) {
    const server = document.servers?.[0]?.url;
    this.basePath = server ? new URL(server, 'http://base.invalid').pathname.replace(/\/+$/, '') : '';
    for (const [template, item] of Object.entries(document.paths)) {
      const compiled = compileTemplate(template, item);
      const list = this.templatesBySegmentCount.get(compiled.segments.length) ?? [];
      list.push(compiled);
      this.templatesBySegmentCount.set(compiled.segments.length, list);
    }
    for (const list of this.templatesBySegmentCount.values())
      list.sort((a, b) => compareRanks(a.rank, b.rank));
    // Ajv's schema self-check and code optimiser cost more than they save here (measured: load 180 → 60 ms,
    // the pipeline body's 47 schemas 260 → 100 ms); the converted schemas are this module's own output.
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      verbose: true,
      validateSchema: false,
      inlineRefs: false,
      code: { optimize: false },
      formats: OPENAPI_FORMATS,
    });
    this.requestSchemas = new RequestSchemas(withErrata(document.components?.schemas ?? {}));
    this.ajv.addSchema(this.requestSchemas.convertAll(), SCHEMAS_ID);
  }

  /** Checks path, method, path and query parameters, and the JSON body against the matching operation. */
  check(request: RequestToCheck): OpenApiCheck {
    const method = request.method.toLowerCase();
    const target = splitTarget(request.path);
    const relative = this.stripBase(target.pathname);
    const segments = decodeSegments(relative);
    if (typeof segments === 'string') return { ok: false, problems: [segments] };
    const match = this.matchPath(segments);
    if (!match) return { ok: false, problems: [`no path in the document matches ${relative}`] };
    const { template, params } = match;
    const operation = operationOf(template.item, method);
    if (!operation) {
      const methods = HTTP_METHODS.filter((name) => template.item[name]).map((name) => name.toUpperCase());
      return {
        ok: false,
        pathTemplate: template.template,
        problems: [
          `${request.method.toUpperCase()} is not an operation of ${template.template}; the document has ${methods.join(', ')}`,
        ],
      };
    }
    const query = mergeQueries(target.query, request.query);
    const problems = unique([
      ...this.checkParameters(method, template, operation, params, query),
      ...this.checkBody(method, template.template, operation, request),
    ]);
    return {
      ok: problems.length === 0,
      pathTemplate: template.template,
      operationId: operation.operationId,
      problems,
    };
  }

  /** Throws an AssertionError listing every invalid request with its problems; returns quietly when all are valid. */
  assertValid(requests: readonly RequestToCheck[]): void {
    const failures = requests
      .map((request) => ({ request, result: this.check(request) }))
      .filter(({ result }) => !result.ok);
    if (failures.length === 0) return;
    const lines = failures.map(
      ({ request, result }) =>
        `  ${request.method.toUpperCase()} ${request.path}\n${result.problems.map((p) => `    - ${p}`).join('\n')}`,
    );
    throw new AssertionError({
      message: `${failures.length} of ${requests.length} requests do not match Atlassian's Bitbucket Cloud OpenAPI document:\n${lines.join('\n')}`,
    });
  }

  /** The granular OAuth 2 scopes (`x-atlassian-oauth2-scopes`, e.g. read:repository:bitbucket) the operation needs. */
  requiredScopes(method: string, requestPath: string): string[] {
    const entries = this.operationFor(method, requestPath)['x-atlassian-oauth2-scopes'] ?? [];
    return unique(
      entries.filter((entry) => entry.scheme === 'oauth2').flatMap((entry) => entry.scopes ?? []),
    );
  }

  /** The legacy OAuth 2 scope names from the operation's `security` (e.g. repository, pipeline), used by access tokens. */
  legacyScopes(method: string, requestPath: string): string[] {
    const security = this.operationFor(method, requestPath).security ?? [];
    return unique(security.flatMap((requirement) => requirement.oauth2 ?? []));
  }

  private operationFor(method: string, requestPath: string): Operation {
    const segments = decodeSegments(this.stripBase(splitTarget(requestPath).pathname));
    const match = typeof segments === 'string' ? undefined : this.matchPath(segments);
    const operation = match && operationOf(match.template.item, method.toLowerCase());
    if (!operation)
      throw new Error(
        `the Bitbucket OpenAPI document has no operation ${method.toUpperCase()} ${requestPath}`,
      );
    return operation;
  }

  private stripBase(pathname: string): string {
    if (this.basePath && (pathname === this.basePath || pathname.startsWith(`${this.basePath}/`))) {
      return pathname.slice(this.basePath.length) || '/';
    }
    return pathname;
  }

  /** Literal segments win over templated ones at the first place they differ, as OpenAPI asks. */
  private matchPath(
    segments: string[],
  ): { template: PathTemplate; params: Record<string, string> } | undefined {
    for (const template of this.templatesBySegmentCount.get(segments.length) ?? []) {
      const params: Record<string, string> = {};
      const matched = template.segments.every((segment, index) => {
        const found = segment.pattern.exec(segments[index]!); // templates are looked up by segment count
        segment.names.forEach((name, group) => (params[name] = found?.[group + 1] ?? ''));
        return found !== null;
      });
      if (matched) return { template, params };
    }
    return undefined;
  }

  private checkParameters(
    method: string,
    template: PathTemplate,
    operation: Operation,
    pathParams: Record<string, string>,
    query: Record<string, string[]>,
  ): string[] {
    const byKey = new Map<string, Parameter>();
    for (const entry of [...(template.item.parameters ?? []), ...(operation.parameters ?? [])]) {
      const parameter = this.resolve(entry);
      byKey.set(`${parameter.in}:${parameter.name}`, parameter);
    }
    const problems: string[] = [];
    for (const parameter of byKey.values()) {
      if (parameter.in !== 'path' && parameter.in !== 'query') continue;
      const pathValue = pathParams[parameter.name];
      const values =
        parameter.in === 'path' ? (pathValue === undefined ? undefined : [pathValue]) : query[parameter.name];
      const label = `${parameter.in} parameter '${parameter.name}'`;
      if (values === undefined || values[0] === undefined) {
        if (parameter.required) problems.push(`${label} is required but missing`);
        continue;
      }
      if (!parameter.schema) continue;
      const schema = parameter.schema;
      const validate = this.validator(
        `${method} ${template.template} ${parameter.in}:${parameter.name}`,
        () => this.requestSchemas.convert(schema),
      );
      for (const raw of values) {
        // Bitbucket's sorting guide: `sort=-field` sorts on field, descending; the enums list only the field names.
        const value = parameter.name === 'sort' && typeof raw === 'string' ? raw.replace(/^-/, '') : raw;
        if (!validate(coerceParameter(value, schema))) {
          problems.push(...describeErrors(validate.errors, label));
        }
      }
    }
    return problems;
  }

  private checkBody(
    method: string,
    template: string,
    operation: Operation,
    request: RequestToCheck,
  ): string[] {
    const requestBody = operation.requestBody && this.resolve(operation.requestBody);
    const hasBody = request.body !== undefined && request.body !== null && request.body !== '';
    if (!requestBody)
      return hasBody ? [`${method.toUpperCase()} ${template} takes no request body, but one was sent`] : [];
    if (!hasBody) return requestBody.required ? ['a request body is required, but none was sent'] : [];
    const mediaType = (request.contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    const media = requestBody.content?.[mediaType];
    if (!media) {
      return [
        `content type ${mediaType} is not accepted here; the document lists ${Object.keys(requestBody.content ?? {}).join(', ')}`,
      ];
    }
    if (!media.schema || !/^application\/(.+\+)?json$/.test(mediaType)) return [];
    let body = request.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return [`the body is not valid JSON although its content type is ${mediaType}`];
      }
    }
    const schema = media.schema;
    const validate = this.validator(`${method} ${template} body:${mediaType}`, () =>
      this.requestSchemas.convert(schema),
    );
    return validate(body) ? [] : describeErrors(validate.errors, 'body');
  }

  private validator(key: string, schema: () => SchemaNode): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema());
      this.validators.set(key, validate);
    }
    return validate;
  }

  private resolve<T>(value: T | Reference): T {
    if (!isReference(value)) return value;
    const found = value.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], this.document);
    if (found === undefined) throw new Error(`the Bitbucket OpenAPI document has no ${value.$ref}`);
    return found as T;
  }
}

/** The type of a Code Insights data field's `value` for each `type`, from the report PUT's own description. */
const REPORT_DATA_VALUES: Record<string, SchemaNode> = {
  BOOLEAN: { type: 'boolean' },
  DATE: { type: 'number' },
  DURATION: { type: 'number' },
  LINK: {
    type: 'object',
    required: ['text', 'href'],
    properties: { text: { type: 'string' }, href: { type: 'string', format: 'uri' } },
  },
  NUMBER: { type: 'number' },
  PERCENTAGE: { type: 'number', minimum: 0, maximum: 100 },
  TEXT: { type: 'string' },
};

/**
 * Where the document contradicts itself, the operation's words win. `report_data.value` is declared an object, but
 * the report PUT's description (and Atlassian's examples) give its type by the field's `type`: numbers, booleans,
 * strings, or a `{text, href}` link; with no `type`, a number, string or boolean.
 */
function withErrata(schemas: Record<string, SchemaNode>): Record<string, SchemaNode> {
  const reportData = schemas.report_data;
  if (!reportData) return schemas;
  const valueOf = (value: SchemaNode) => ({ properties: { value } });
  return {
    ...schemas,
    report_data: {
      ...reportData,
      properties: { ...(reportData.properties as Record<string, SchemaNode>), value: {} },
      allOf: [
        { if: { not: { required: ['type'] } }, then: valueOf({ type: ['number', 'string', 'boolean'] }) },
        ...Object.entries(REPORT_DATA_VALUES).map(([type, value]) => ({
          if: { properties: { type: { const: type } }, required: ['type'] },
          then: valueOf(value),
        })),
      ],
    },
  };
}

/** Component schemas rewritten for validating request bodies with ajv (JSON Schema draft-07). */
class RequestSchemas {
  /** For each schema, every schema that extends it through `allOf` (children, grandchildren…). */
  private readonly descendants = new Map<string, string[]>();

  constructor(private readonly schemas: Record<string, SchemaNode>) {
    const children = new Map<string, string[]>();
    for (const [name, schema] of Object.entries(schemas)) {
      for (const parent of asNodes(schema.allOf)) {
        const parentName = schemaName(parent.$ref);
        if (parentName) children.set(parentName, [...(children.get(parentName) ?? []), name]);
      }
    }
    const collect = (name: string, seen: Set<string>): string[] =>
      (children.get(name) ?? [])
        .filter((child) => !seen.has(child) && seen.add(child))
        .flatMap((child) => [child, ...collect(child, seen)]);
    for (const name of children.keys()) this.descendants.set(name, collect(name, new Set([name])));
  }

  /** Every component converted, plus one dispatch schema per base with subtypes; ajv registers it as one document. */
  convertAll(): SchemaNode {
    const schemas = Object.fromEntries(
      Object.entries(this.schemas).map(([name, schema]) => [name, this.convert(schema)]),
    );
    return { components: { schemas }, dispatch: this.dispatchSchemas() };
  }

  /**
   * OpenAPI 3.0 → draft-07 for requests: `nullable` becomes a null type, boolean exclusive bounds become numbers,
   * `readOnly` properties and the discriminator (Bitbucket's `type`, which its own request examples omit) are not
   * required, annotations and `x-*` go, and a `$ref` to a base with subtypes also checks the subtype its `type` names.
   */
  convert(node: SchemaNode, inheritedReadOnly: ReadonlySet<string> = new Set()): SchemaNode {
    if (typeof node.$ref === 'string') return this.convertUse(node.$ref);
    const readOnly = new Set([...inheritedReadOnly, ...this.readOnlyProperties(node, new Set())]);
    const out: SchemaNode = {};
    for (const [keyword, value] of Object.entries(node)) {
      if (DROPPED_KEYWORDS.has(keyword) || keyword.startsWith('x-')) continue;
      out[keyword] = this.convertKeyword(keyword, value, readOnly);
    }
    const discriminator = (node.discriminator as { propertyName?: string } | undefined)?.propertyName;
    if (Array.isArray(node.required)) {
      const required = (node.required as string[]).filter(
        (name) => !readOnly.has(name) && name !== discriminator,
      );
      if (required.length > 0) out.required = required;
      else delete out.required;
    }
    for (const bound of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
      if (typeof node[bound] !== 'boolean') continue;
      const limit = bound === 'exclusiveMinimum' ? 'minimum' : 'maximum';
      delete out[bound];
      if (node[bound] === true && typeof node[limit] === 'number') {
        out[bound] = node[limit];
        delete out[limit];
      }
    }
    if (node.nullable !== true) return out;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
      return out;
    }
    return { anyOf: [{ type: 'null' }, out] };
  }

  private convertKeyword(keyword: string, value: unknown, readOnly: ReadonlySet<string>): unknown {
    switch (keyword) {
      case 'properties':
        return Object.fromEntries(
          Object.entries(value as Record<string, SchemaNode>).map(([name, schema]) => [
            name,
            this.convert(schema),
          ]),
        );
      case 'items':
      case 'not':
        return this.convert(value as SchemaNode);
      case 'additionalProperties':
        return typeof value === 'object' && value !== null ? this.convert(value as SchemaNode) : value;
      case 'allOf':
        // A `$ref` here names a parent type, not a use of it: no subtype dispatch (that would loop).
        return asNodes(value).map((branch) =>
          typeof branch.$ref === 'string'
            ? { $ref: rewriteRef(branch.$ref) }
            : this.convert(branch, readOnly),
        );
      case 'oneOf':
      case 'anyOf':
        return asNodes(value).map((branch) => this.convert(branch));
      default:
        return value;
    }
  }

  /** A use of a component: a base with subtypes goes through its shared dispatch schema (see `dispatchSchemas`). */
  private convertUse(ref: string): SchemaNode {
    const name = schemaName(ref);
    return {
      $ref: name && this.dispatchProperty(name) ? `${SCHEMAS_ID}#/dispatch/${name}` : rewriteRef(ref),
    };
  }

  /** For each base with subtypes: the base, and the subtype its discriminator value names (OpenAPI's implicit mapping). */
  private dispatchSchemas(): Record<string, SchemaNode> {
    const dispatch: Record<string, SchemaNode> = {};
    for (const [name, subtypes] of this.descendants) {
      const property = this.dispatchProperty(name);
      if (!property) continue;
      dispatch[name] = {
        allOf: [
          { $ref: rewriteRef(`#/components/schemas/${name}`) },
          ...subtypes.map((subtype) => ({
            if: { properties: { [property]: { const: subtype } }, required: [property] },
            then: { $ref: rewriteRef(`#/components/schemas/${subtype}`) },
          })),
        ],
      };
    }
    return dispatch;
  }

  /** The discriminator property to dispatch on, for a base with subtypes below the root that declares it. */
  private dispatchProperty(name: string): string | undefined {
    const schema = this.schemas[name];
    if (!schema || schema.discriminator || !this.descendants.get(name)?.length) return undefined;
    return this.discriminatorProperty(name, new Set());
  }

  /** The discriminator property a schema inherits (Bitbucket's base `object` declares `type`). */
  private discriminatorProperty(name: string, seen: Set<string>): string | undefined {
    const schema = this.schemas[name];
    if (!schema || seen.has(name)) return undefined;
    seen.add(name);
    const own = (schema.discriminator as { propertyName?: string } | undefined)?.propertyName;
    if (own) return own;
    for (const parent of asNodes(schema.allOf)) {
      const parentName = schemaName(parent.$ref);
      const inherited = parentName ? this.discriminatorProperty(parentName, seen) : undefined;
      if (inherited) return inherited;
    }
    return undefined;
  }

  /** Names of `readOnly` properties declared on this schema or the `allOf` branches it is built from. */
  private readOnlyProperties(node: SchemaNode, seen: Set<SchemaNode>): string[] {
    const target = this.dereference(node);
    if (!target || seen.has(target)) return [];
    seen.add(target);
    const own = Object.entries((target.properties ?? {}) as Record<string, SchemaNode>)
      .filter(([, schema]) => this.dereference(schema)?.readOnly === true)
      .map(([name]) => name);
    return [...own, ...asNodes(target.allOf).flatMap((branch) => this.readOnlyProperties(branch, seen))];
  }

  private dereference(node: SchemaNode): SchemaNode | undefined {
    return typeof node.$ref === 'string' ? this.schemas[schemaName(node.$ref) ?? ''] : node;
  }
}

interface PathTemplate {
  template: string;
  item: PathItem;
  segments: { pattern: RegExp; names: string[] }[];
  /** Per segment: 0 literal, 1 literal with a parameter inside, 2 a whole-segment parameter. */
  rank: number[];
}

function compileTemplate(template: string, item: PathItem): PathTemplate {
  const segments = template.replace(/^\/+|\/+$/g, '').split('/');
  const compiled = segments.map((segment) => {
    const names: string[] = [];
    const source = segment
      .split(/(\{[^{}]+\})/)
      .map((part) => {
        if (!/^\{[^{}]+\}$/.test(part)) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(part.slice(1, -1));
        return '([\\s\\S]+?)';
      })
      .join('');
    return { pattern: new RegExp(`^${source}$`), names };
  });
  const rank = segments.map((segment, index) => {
    if (compiled[index]!.names.length === 0) return 0; // compiled is segments mapped one to one
    return /^\{[^{}]+\}$/.test(segment) ? 2 : 1;
  });
  return { template, item, segments: compiled, rank };
}

function operationOf(item: PathItem, method: string): Operation | undefined {
  return HTTP_METHODS.includes(method) ? (item[method] as Operation | undefined) : undefined;
}

function compareRanks(a: number[], b: number[]): number {
  for (const [index, rank] of a.entries()) {
    const other = b[index] ?? 0;
    if (rank !== other) return rank - other;
  }
  return 0;
}

/** Splits a path (optionally a full URL, optionally with a query string) into its path and query. */
function splitTarget(target: string): { pathname: string; query: Record<string, string[]> } {
  const relative = /^[a-z][a-z0-9+.-]*:\/\//i.test(target)
    ? target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
    : target;
  const [pathname = '', search = ''] = relative.split('#')[0]!.split(/\?(.*)/s);
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) query[name] = [...(query[name] ?? []), value];
  return { pathname: pathname || '/', query };
}

/** Decodes each segment after splitting, so `%2F` inside a key stays in its segment; a trailing slash is ignored. */
function decodeSegments(relative: string): string[] | string {
  const segments = relative.replace(/^\/+|\/+$/g, '').split('/');
  try {
    return segments.map((segment) => decodeURIComponent(segment));
  } catch {
    return `the path ${relative} is not valid percent-encoding`;
  }
}

function mergeQueries(
  fromPath: Record<string, string[]>,
  given: Record<string, string | readonly string[]> | undefined,
): Record<string, string[]> {
  const merged: Record<string, string[]> = { ...fromPath };
  for (const [name, value] of Object.entries(given ?? {}))
    merged[name] = [...(merged[name] ?? []), ...toList(value)];
  return merged;
}

/** Query and path values arrive as text; numbers and booleans are compared as the schema's type. */
function coerceParameter(value: string, schema: SchemaNode): unknown {
  if (
    (schema.type === 'integer' || schema.type === 'number') &&
    value.trim() !== '' &&
    !Number.isNaN(Number(value))
  ) {
    return Number(value);
  }
  if (schema.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Ajv errors as sentences: where, what is wrong, and the value that was sent. */
function describeErrors(errors: ErrorObject[] | null | undefined, subject: string): string[] {
  const sentences = (errors ?? [])
    .filter((error) => error.keyword !== 'if')
    .map((error) => {
      const where = subject + error.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
      switch (error.keyword) {
        case 'enum':
          return `${where} is ${JSON.stringify(error.data)}, but must be one of ${(error.params.allowedValues as unknown[]).map(showEnumValue).join(', ')}`;
        case 'type':
          return `${where} must be ${String(error.params.type).split(',').join(' or ')}, but is ${describeValue(error.data)}`;
        case 'additionalProperties':
          return `${where} has property '${error.params.additionalProperty as string}', which the schema does not allow`;
        case 'const':
          return `${where} is ${JSON.stringify(error.data)}, but must be ${JSON.stringify(error.params.allowedValue)}`;
        case 'required':
          return `${where} ${error.message ?? 'is missing a property'}`;
        default: {
          const shown =
            error.data === null || typeof error.data !== 'object'
              ? `, but is ${JSON.stringify(error.data)}`
              : '';
          return `${where} ${error.message ?? 'is invalid'}${shown}`;
        }
      }
    });
  return unique(sentences);
}

function showEnumValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${JSON.stringify(value)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** OpenAPI's formats (ajv knows none without ajv-formats); Bitbucket UUIDs keep their braces. */
const OPENAPI_FORMATS = {
  'date-time': (value: string) =>
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/i.test(value) &&
    !Number.isNaN(Date.parse(value)),
  uri: (value: string) => /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value),
  uuid: /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i,
  int32: {
    type: 'number' as const,
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  },
  int64: { type: 'number' as const, validate: (n: number) => Number.isInteger(n) },
};

function rewriteRef(ref: string): string {
  return ref.startsWith('#') ? `${SCHEMAS_ID}${ref}` : ref;
}

function schemaName(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith('#/components/schemas/')
    ? ref.slice('#/components/schemas/'.length)
    : undefined;
}

function asNodes(value: unknown): SchemaNode[] {
  return Array.isArray(value) ? (value as SchemaNode[]) : [];
}

function isReference(value: unknown): value is Reference {
  return typeof value === 'object' && value !== null && typeof (value as Reference).$ref === 'string';
}

function toList(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The checkout's root: the nearest folder above this file holding package.json (works from test/ and out/test/). */
function repositoryRoot(): string {
  let folder = __dirname;
  while (!fs.existsSync(path.join(folder, 'package.json'))) {
    const parent = path.dirname(folder);
    if (parent === folder)
      throw new Error(`no package.json above ${__dirname}: cannot find the checkout's root`);
    folder = parent;
  }
  return folder;
}
