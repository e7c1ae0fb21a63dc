// The sandbox's Bitbucket responses validated against Atlassian's OpenAPI schemas (the repository's subset of them).
import assert from 'node:assert/strict';
import Ajv, { type ValidateFunction } from 'ajv';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { loadOpenApiSubset } from '../support/openapi';
import { call, demoAuth, waitFor } from './http-client';

describe('sandbox responses match the Bitbucket OpenAPI schemas', () => {
  let sb: Sandbox;
  let schema: (name: string) => ValidateFunction;

  before(async () => {
    const doc = loadOpenApiSubset();
    // OpenAPI 3.0 keywords (nullable, discriminator, x-…) are not JSON Schema; formats are not checked here.
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ ...doc, $id: 'bitbucket' });
    schema = (name) => ajv.getSchema(`bitbucket#/components/schemas/${name}`) as ValidateFunction;
    sb = await startSandbox({ centralRunStepMs: 5 });
  });
  after(() => sb.close());

  function check(name: string, value: unknown): void {
    const validate = schema(name);
    assert.ok(validate, `schema ${name} exists`);
    assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors, null, 1)}`);
  }

  it('repository, account, commit', async () => {
    check(
      'repository',
      (await call(sb, 'GET', '/2.0/repositories/acme/web-app', { auth: demoAuth(sb) })).json,
    );
    check('account', (await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).json);
    check(
      'commit',
      (
        await call(sb, 'GET', `/2.0/repositories/acme/web-app/commit/${seed.webApp.branches.main}`, {
          auth: demoAuth(sb),
        })
      ).json,
    );
  });

  it('commitstatus and paginated_commitstatuses', async () => {
    const base = `/2.0/repositories/acme/web-app/commit/${seed.webApp.branches.main}`;
    const created = await call(sb, 'POST', `${base}/statuses/build`, {
      auth: demoAuth(sb),
      body: { key: 'shape', state: 'SUCCESSFUL', url: 'https://ci.example/1', refname: 'main' },
    });
    check('commitstatus', created.json);
    check(
      'paginated_commitstatuses',
      (await call(sb, 'GET', `${base}/statuses`, { auth: demoAuth(sb) })).json,
    );
  });

  it('pullrequest and paginated_pullrequests', async () => {
    check(
      'pullrequest',
      (await call(sb, 'GET', '/2.0/repositories/acme/web-app/pullrequests/7', { auth: demoAuth(sb) })).json,
    );
    check(
      'paginated_pullrequests',
      (await call(sb, 'GET', '/2.0/repositories/acme/web-app/pullrequests', { auth: demoAuth(sb) })).json,
    );
  });

  it('pipeline in every state, and paginated_pipelines', async () => {
    const created = await call(sb, 'POST', '/2.0/repositories/acme/central-checks/pipelines/', {
      auth: demoAuth(sb),
      body: {
        target: {
          type: 'pipeline_ref_target',
          ref_type: 'branch',
          ref_name: 'main',
          selector: { type: 'custom', pattern: 'lint' },
        },
        variables: [{ key: 'A', value: 'b', secured: true }],
      },
    });
    // The schema's pipeline links derive from `object` and so require a `type` that Bitbucket's answers do not carry.
    const withoutLinks = ({ links: _links, ...rest }: Record<string, unknown>) => rest;
    check('pipeline', withoutLinks(created.json));
    const done = await waitFor(async () => {
      const r = await call(sb, 'GET', created.json.links.self.href, { auth: demoAuth(sb) });
      return r.json.state.name === 'COMPLETED' ? r.json : undefined;
    });
    check('pipeline', withoutLinks(done));
    const page = (
      await call(sb, 'GET', '/2.0/repositories/acme/central-checks/pipelines/', { auth: demoAuth(sb) })
    ).json;
    check('paginated_pipelines', { ...page, values: page.values.map(withoutLinks) });
  });

  it('report and annotations', async () => {
    const report = `/2.0/repositories/acme/web-app/commit/${seed.webApp.branches.main}/reports/shape`;
    const put = await call(sb, 'PUT', report, {
      auth: demoAuth(sb),
      // The schema types every data value as an object (the docs also allow numbers, booleans and strings).
      body: {
        title: 'Shape',
        report_type: 'BUG',
        result: 'PASSED',
        data: [{ title: 'Docs', type: 'LINK', value: { text: 'dashboard', href: 'https://sonar.example' } }],
      },
    });
    check('report', put.json);
    const posted = await call(sb, 'POST', `${report}/annotations`, {
      auth: demoAuth(sb),
      body: [
        {
          external_id: 'a1',
          annotation_type: 'BUG',
          summary: 'x',
          line: 3,
          path: 'src/a.ts',
          severity: 'LOW',
        },
      ],
    });
    check('report_annotation', posted.json[0]);
    check(
      'paginated_annotations',
      (await call(sb, 'GET', `${report}/annotations`, { auth: demoAuth(sb) })).json,
    );
  });
});
