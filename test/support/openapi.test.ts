// Tests for the OpenAPI request checker, against the subset of Atlassian's real document and a tiny synthetic one.
import assert, { AssertionError } from 'node:assert/strict';
import {
  BitbucketOpenApi,
  fromRecordedRequest,
  isBitbucketApiRequest,
  type OpenApiDocument,
  type RequestToCheck,
} from './openapi';

const REPO = '/2.0/repositories/acme/web-app';
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const STATUS_PATH = `${REPO}/commit/${SHA}/statuses/build`;
const STATUS_TEMPLATE = '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build';
const PIPELINES_TEMPLATE = '/repositories/{workspace}/{repo_slug}/pipelines';

const buildStatus = {
  key: 'crosscheck-sonar',
  state: 'SUCCESSFUL',
  name: 'Crosscheck: SonarQube quality gate',
  url: 'https://sonar.example.com/dashboard?id=web-app',
  description: 'Quality gate passed',
  refname: 'feature/login',
};

const pipelineTrigger = {
  target: {
    type: 'pipeline_ref_target',
    ref_type: 'branch',
    ref_name: 'main',
    selector: { type: 'custom', pattern: 'crosscheck' },
  },
  variables: [
    { key: 'PR_REPO', value: 'acme/web-app', secured: false },
    { key: 'SONAR_TOKEN', value: 'not-a-real-token', secured: true },
  ],
};

function problemsOf(api: BitbucketOpenApi, request: RequestToCheck): string[] {
  const result = api.check(request);
  assert.equal(result.ok, false, `expected problems for ${request.method} ${request.path}`);
  return result.problems;
}

describe('BitbucketOpenApi against Atlassian’s document', () => {
  let api: BitbucketOpenApi;
  before(() => {
    api = BitbucketOpenApi.load();
  });

  it('loads the document once and hands back the same checker', () => {
    assert.equal(BitbucketOpenApi.load(), api);
  });

  it('says plainly what to do when the document is missing', () => {
    assert.throws(
      () => BitbucketOpenApi.load('/nonexistent/crosscheck/bitbucket-openapi-subset.json'),
      /is missing: regenerate the subset of Atlassian's Bitbucket Cloud OpenAPI document with `npm run openapi:subset -- PATH\/bitbucket-cloud-openapi.v3.json`/,
    );
  });

  describe('build statuses', () => {
    it('accepts a valid build-status POST, with or without the /2.0 base', () => {
      for (const path of [STATUS_PATH, STATUS_PATH.replace('/2.0', '')]) {
        const result = api.check({ method: 'POST', path, body: buildStatus });
        assert.deepEqual(result, {
          ok: true,
          pathTemplate: STATUS_TEMPLATE,
          operationId: undefined,
          problems: [],
        });
      }
    });

    it('accepts properties the schema does not name where it allows extra ones (description, extra)', () => {
      assert.equal(
        api.check({ method: 'POST', path: STATUS_PATH, body: { ...buildStatus, extra: 1 } }).ok,
        true,
      );
    });

    it('reports a missing key', () => {
      const withoutKey: Record<string, unknown> = { ...buildStatus };
      delete withoutKey.key;
      assert.deepEqual(problemsOf(api, { method: 'POST', path: STATUS_PATH, body: withoutKey }), [
        "body must have required property 'key'",
      ]);
    });

    it('reports a state Bitbucket does not know, listing the ones it does', () => {
      assert.deepEqual(
        problemsOf(api, { method: 'POST', path: STATUS_PATH, body: { ...buildStatus, state: 'DONE' } }),
        ['body.state is "DONE", but must be one of FAILED, INPROGRESS, STOPPED, SUCCESSFUL'],
      );
    });

    it('reports every property of the wrong type', () => {
      const body = { ...buildStatus, key: 42, url: true, name: ['x'] };
      assert.deepEqual(problemsOf(api, { method: 'POST', path: STATUS_PATH, body }).sort(), [
        'body.key must be string, but is number 42',
        'body.name must be string, but is an array (["x"])',
        'body.url must be string, but is boolean true',
      ]);
    });

    it('reports properties a closed nested object does not allow', () => {
      const body = { ...buildStatus, links: { self: { href: 'https://x.example/1', rel: 'self' } } };
      assert.deepEqual(problemsOf(api, { method: 'POST', path: STATUS_PATH, body }), [
        "body.links.self has property 'rel', which the schema does not allow",
      ]);
    });

    it('decodes an encoded key before matching the {key} template', () => {
      const result = api.check({
        method: 'PUT',
        path: `${STATUS_PATH}/crosscheck%2Fsonar%20gate`,
        body: { ...buildStatus, key: 'crosscheck/sonar gate' },
      });
      assert.equal(result.ok, true, result.problems.join('; '));
      assert.equal(result.pathTemplate, `${STATUS_TEMPLATE}/{key}`);
    });

    it('reports a body sent to an operation that takes none', () => {
      assert.deepEqual(problemsOf(api, { method: 'GET', path: `${STATUS_PATH}/k`, body: { a: 1 } }), [
        `GET ${STATUS_TEMPLATE}/{key} takes no request body, but one was sent`,
      ]);
    });

    it('reports a content type the operation does not accept, and a JSON body that does not parse', () => {
      assert.deepEqual(
        problemsOf(api, { method: 'POST', path: STATUS_PATH, body: 'key=x', contentType: 'text/plain' }),
        ['content type text/plain is not accepted here; the document lists application/json'],
      );
      assert.deepEqual(
        problemsOf(api, {
          method: 'POST',
          path: STATUS_PATH,
          body: '{"key":',
          contentType: 'application/json; charset=utf-8',
        }),
        ['the body is not valid JSON although its content type is application/json'],
      );
      const text = api.check({ method: 'POST', path: STATUS_PATH, body: JSON.stringify(buildStatus) });
      assert.equal(text.ok, true, text.problems.join('; '));
    });
  });

  describe('paths and methods', () => {
    it('reports a path the document does not have', () => {
      assert.deepEqual(problemsOf(api, { method: 'GET', path: `${REPO}/commit/${SHA}/verdicts` }), [
        `no path in the document matches /repositories/acme/web-app/commit/${SHA}/verdicts`,
      ]);
    });

    it('reports a method the path does not have, listing the ones it does', () => {
      const result = api.check({ method: 'DELETE', path: STATUS_PATH });
      assert.equal(result.ok, false);
      assert.equal(result.pathTemplate, STATUS_TEMPLATE);
      assert.deepEqual(result.problems, [
        `DELETE is not an operation of ${STATUS_TEMPLATE}; the document has POST`,
      ]);
    });

    it('prefers a literal segment over a template parameter', () => {
      const result = api.check({ method: 'GET', path: `${REPO}/pullrequests/activity` });
      assert.equal(result.pathTemplate, '/repositories/{workspace}/{repo_slug}/pullrequests/activity');
      assert.equal(api.check({ method: 'GET', path: `${REPO}/pullrequests/7/statuses` }).ok, true);
    });

    it('checks path parameters against their schema (a pull request id is an integer)', () => {
      assert.deepEqual(problemsOf(api, { method: 'GET', path: `${REPO}/pullrequests/seven/statuses` }), [
        'path parameter \'pull_request_id\' must be integer, but is string "seven"',
      ]);
    });

    it('matches pipeline UUIDs with encoded braces, and full URLs', () => {
      for (const path of [
        `${REPO}/pipelines/%7B0b1f4a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b%7D`,
        `https://api.bitbucket.org${REPO}/pipelines/{0b1f4a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b}`,
      ]) {
        const result = api.check({ method: 'GET', path });
        assert.equal(result.ok, true, result.problems.join('; '));
        assert.equal(result.operationId, 'getPipelineForRepository');
      }
    });

    it('reports a path that is not valid percent-encoding', () => {
      assert.deepEqual(problemsOf(api, { method: 'GET', path: `${REPO}/pipelines/%E0%A4%A` }), [
        'the path /repositories/acme/web-app/pipelines/%E0%A4%A is not valid percent-encoding',
      ]);
    });
  });

  describe('query parameters', () => {
    it('checks declared ones and lets undeclared ones (fields, page) through', () => {
      const good = api.check({
        method: 'GET',
        path: `${REPO}/pipelines?sort=created_on&fields=values.uuid`,
        query: { pagelen: '100' },
      });
      assert.equal(good.ok, true, good.problems.join('; '));
      assert.deepEqual(
        problemsOf(api, { method: 'GET', path: `${REPO}/pipelines`, query: { pagelen: '500' } }),
        ["query parameter 'pagelen' must be <= 100, but is 500"],
      );
    });

    it('accepts a descending sort (-field) on a listed field, and nothing else', () => {
      const descending = api.check({
        method: 'GET',
        path: `${REPO}/pipelines`,
        query: { sort: '-created_on' },
      });
      assert.equal(descending.ok, true, descending.problems.join('; '));
      assert.equal(
        api.check({ method: 'GET', path: `${REPO}/pipelines`, query: { sort: '-name' } }).ok,
        false,
      );
    });

    it('checks every value of a repeated parameter', () => {
      assert.deepEqual(
        problemsOf(api, {
          method: 'GET',
          path: `${REPO}/pullrequests`,
          query: { state: ['OPEN', 'CLOSED'] },
        }),
        ['query parameter \'state\' is "CLOSED", but must be one of OPEN, MERGED, DECLINED, SUPERSEDED'],
      );
      assert.equal(
        api.check({ method: 'GET', path: `${REPO}/pullrequests?state=OPEN&state=MERGED` }).ok,
        true,
      );
    });
  });

  describe('pipelines', () => {
    it('accepts the trigger body, with the trailing slash Atlassian’s guide uses or the document’s exact form', () => {
      for (const path of [`${REPO}/pipelines/`, `${REPO}/pipelines`]) {
        const result = api.check({ method: 'POST', path, body: pipelineTrigger });
        assert.equal(result.ok, true, result.problems.join('; '));
        assert.equal(result.pathTemplate, PIPELINES_TEMPLATE);
        assert.equal(result.operationId, 'createPipelineForRepository');
      }
    });

    it('checks the target against the subtype its type names, and the variables', () => {
      const body = {
        target: {
          ...pipelineTrigger.target,
          ref_type: 'branches',
          selector: { type: 'manual', pattern: 'x' },
        },
        variables: [{ key: 'A', value: 3, secured: 'yes' }],
      };
      assert.deepEqual(problemsOf(api, { method: 'POST', path: `${REPO}/pipelines/`, body }).sort(), [
        'body.target.ref_type is "branches", but must be one of branch, tag, named_branch, bookmark',
        'body.target.selector.type is "manual", but must be one of branches, tags, bookmarks, default, custom',
        'body.variables[0].secured must be boolean, but is string "yes"',
        'body.variables[0].value must be string, but is number 3',
      ]);
    });

    it('reports a missing body where the document requires one', () => {
      assert.deepEqual(problemsOf(api, { method: 'POST', path: `${REPO}/pipelines/` }), [
        'a request body is required, but none was sent',
      ]);
    });
  });

  describe('Code Insights', () => {
    const reportPath = `${REPO}/commit/${SHA}/reports/crosscheck-sonar`;
    const report = {
      title: 'SonarQube quality gate',
      details: 'Quality gate passed: 0 new bugs',
      report_type: 'BUG',
      reporter: 'Crosscheck',
      result: 'PASSED',
      link: 'https://sonar.example.com/dashboard?id=web-app',
      data: [
        { title: 'Coverage', type: 'PERCENTAGE', value: 81.5 },
        { title: 'Safe to merge?', type: 'BOOLEAN', value: true },
        {
          title: 'Dashboard',
          type: 'LINK',
          value: { text: 'SonarQube', href: 'https://sonar.example.com/x' },
        },
        { title: 'Gate', value: 'OK' },
      ],
    };
    const annotation = {
      external_id: 'sonar-AX1',
      annotation_type: 'BUG',
      path: 'src/login.ts',
      line: 12,
      summary: 'Possible null dereference',
      severity: 'HIGH',
      result: 'FAILED',
      link: 'https://sonar.example.com/project/issues?id=web-app&open=AX1',
    };

    it('accepts the report PUT', () => {
      const result = api.check({ method: 'PUT', path: reportPath, body: report });
      assert.equal(result.ok, true, result.problems.join('; '));
      assert.equal(result.operationId, 'createOrUpdateReport');
    });

    it('checks data values by their type, as the report PUT’s description says', () => {
      const body = {
        ...report,
        data: [
          { title: 'Coverage', type: 'PERCENTAGE', value: 181 },
          { title: 'Safe?', type: 'BOOLEAN', value: 'yes' },
          { title: 'Untyped', value: { nested: true } },
        ],
        report_type: 'QUALITY',
      };
      assert.deepEqual(problemsOf(api, { method: 'PUT', path: reportPath, body }).sort(), [
        'body.data[0].value must be <= 100, but is 181',
        'body.data[1].value must be boolean, but is string "yes"',
        'body.data[2].value must be number or string or boolean, but is object {"nested":true}',
        'body.report_type is "QUALITY", but must be one of SECURITY, COVERAGE, TEST, BUG',
      ]);
    });

    it('accepts an annotations POST (an array body) and checks its bounds and items', () => {
      const path = `${reportPath}/annotations`;
      const result = api.check({
        method: 'POST',
        path,
        body: [annotation, { ...annotation, external_id: 'sonar-AX2' }],
      });
      assert.equal(result.ok, true, result.problems.join('; '));
      assert.equal(result.operationId, 'bulkCreateOrUpdateAnnotations');
      assert.deepEqual(problemsOf(api, { method: 'POST', path, body: [] }), [
        'body must NOT have fewer than 1 items',
      ]);
      const tooMany = Array.from({ length: 101 }, (_, index) => ({
        ...annotation,
        external_id: `a${index}`,
      }));
      assert.deepEqual(problemsOf(api, { method: 'POST', path, body: tooMany }), [
        'body must NOT have more than 100 items',
      ]);
      assert.deepEqual(
        problemsOf(api, { method: 'POST', path, body: [{ ...annotation, line: 0, link: 'not a url' }] }),
        ['body[0].line must be >= 1, but is 0', 'body[0].link must match format "uri", but is "not a url"'],
      );
    });
  });

  describe('scopes', () => {
    it('reads the granular and legacy scopes of an operation from the document', () => {
      assert.deepEqual(api.requiredScopes('POST', STATUS_PATH), ['read:repository:bitbucket']);
      assert.deepEqual(api.legacyScopes('POST', STATUS_PATH), ['repository']);
      assert.deepEqual(api.requiredScopes('POST', `${REPO}/pipelines/`), [
        'read:pipeline:bitbucket',
        'write:pipeline:bitbucket',
      ]);
      assert.deepEqual(api.requiredScopes('GET', `${REPO}/pullrequests/7/statuses`), [
        'read:pullrequest:bitbucket',
      ]);
      assert.deepEqual(api.requiredScopes('get', '/2.0/user'), ['read:user:bitbucket']);
    });

    it('accepts a path template as well as a concrete path', () => {
      assert.deepEqual(
        api.requiredScopes('PUT', '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}'),
        ['read:repository:bitbucket'],
      );
    });

    it('throws for an operation the document does not have', () => {
      assert.throws(() => api.requiredScopes('DELETE', STATUS_PATH), /has no operation DELETE/);
    });
  });

  describe('assertValid', () => {
    it('returns quietly when every request is valid', () => {
      api.assertValid([
        { method: 'POST', path: STATUS_PATH, body: buildStatus },
        { method: 'GET', path: '/2.0/user' },
      ]);
    });

    it('throws one AssertionError listing every invalid request with its problems', () => {
      const requests: RequestToCheck[] = [
        { method: 'POST', path: STATUS_PATH, body: buildStatus },
        { method: 'POST', path: STATUS_PATH, body: { ...buildStatus, state: 'DONE' } },
        { method: 'PATCH', path: '/2.0/user' },
      ];
      assert.throws(
        () => api.assertValid(requests),
        (error: unknown) => {
          assert.ok(error instanceof AssertionError);
          assert.equal(
            error.message,
            [
              "2 of 3 requests do not match Atlassian's Bitbucket Cloud OpenAPI document:",
              `  POST ${STATUS_PATH}`,
              '    - body.state is "DONE", but must be one of FAILED, INPROGRESS, STOPPED, SUCCESSFUL',
              '  PATCH /2.0/user',
              '    - PATCH is not an operation of /user; the document has GET',
            ].join('\n'),
          );
          return true;
        },
      );
    });
  });
});

describe('isBitbucketApiRequest', () => {
  it('keeps Bitbucket REST calls and drops the token endpoint, Sonar and sandbox control', () => {
    assert.equal(isBitbucketApiRequest(STATUS_PATH), true);
    assert.equal(isBitbucketApiRequest('/2.0/user?fields=uuid'), true);
    assert.equal(isBitbucketApiRequest('https://api.bitbucket.org/2.0/user'), true);
    assert.equal(isBitbucketApiRequest('/site/oauth2/access_token'), false);
    assert.equal(isBitbucketApiRequest('/sonar/api/qualitygates/project_status?analysisId=x'), false);
    assert.equal(isBitbucketApiRequest('/_sandbox/requests'), false);
    assert.equal(isBitbucketApiRequest('/2.0x/user'), false);
  });
});

describe('fromRecordedRequest', () => {
  it('carries method, path, query values, body and content type over', () => {
    const request = fromRecordedRequest({
      method: 'GET',
      path: `${REPO}/pullrequests`,
      query: new URLSearchParams([
        ['state', 'OPEN'],
        ['state', 'MERGED'],
      ]),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.deepEqual(request, {
      method: 'GET',
      path: `${REPO}/pullrequests`,
      query: { state: ['OPEN', 'MERGED'] },
      body: undefined,
      contentType: 'application/json; charset=utf-8',
    });
    const posted = fromRecordedRequest({
      method: 'POST',
      path: STATUS_PATH,
      query: { a: 'b' },
      body: buildStatus,
    });
    assert.deepEqual(posted, {
      method: 'POST',
      path: STATUS_PATH,
      query: { a: ['b'] },
      body: buildStatus,
      contentType: undefined,
    });
  });
});

describe('BitbucketOpenApi on OpenAPI 3.0 features Bitbucket’s document does not use yet', () => {
  const document: OpenApiDocument = {
    servers: [{ url: 'https://api.example.test/v1' }],
    paths: {
      '/widgets/{id}': { put: { requestBody: { $ref: '#/components/requestBodies/widget' } } },
      '/exports/{name}-{part}.zip': { get: { operationId: 'getExport' } },
    },
    components: {
      requestBodies: {
        widget: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/widget' } } },
        },
      },
      schemas: {
        base: {
          type: 'object',
          properties: { type: { type: 'string' } },
          required: ['type'],
          discriminator: { propertyName: 'type' },
        },
        widget: {
          allOf: [
            { $ref: '#/components/schemas/base' },
            {
              type: 'object',
              properties: {
                id: { type: 'string', readOnly: true },
                name: { type: 'string', nullable: true },
                colour: { type: 'string', enum: ['red', 'blue'], nullable: true },
                size: { type: 'integer', minimum: 0, exclusiveMinimum: true },
              },
              required: ['id', 'name'],
              example: { name: 'w' },
              'x-internal': true,
            },
          ],
        },
      },
    },
  };
  const api = new BitbucketOpenApi(document);
  const put = (body: unknown): RequestToCheck => ({ method: 'PUT', path: '/v1/widgets/w1', body });

  it('lets nullable properties be null and still checks their type and enum', () => {
    assert.equal(api.check(put({ name: null, colour: null })).ok, true);
    assert.deepEqual(problemsOf(api, put({ name: 3, colour: 'green' })).sort(), [
      'body.colour is "green", but must be one of red, blue, null',
      'body.name must be string or null, but is number 3',
    ]);
  });

  it('does not require readOnly properties or the discriminator on requests, but requires the rest', () => {
    assert.equal(api.check(put({ name: 'w' })).ok, true);
    assert.deepEqual(problemsOf(api, put({ colour: 'red' })), ["body must have required property 'name'"]);
  });

  it('turns a boolean exclusiveMinimum into the JSON Schema form', () => {
    assert.equal(api.check(put({ name: 'w', size: 1 })).ok, true);
    assert.deepEqual(problemsOf(api, put({ name: 'w', size: 0 })), ['body.size must be > 0, but is 0']);
  });

  it('matches parameters inside a segment', () => {
    assert.equal(
      api.check({ method: 'GET', path: '/v1/exports/web-app-issues-7.zip' }).operationId,
      'getExport',
    );
  });
});
