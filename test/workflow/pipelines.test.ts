// `crosscheck workflow pipelines`: the bitbucket-pipelines.yml drawn from vendored workflows, checked against Pipelines' keys.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkPipelinesKeys, drawPipelines } from '../../src/runner/workflow/pipelines';
import { readWorkflow } from '../../src/runner/workflow/workflow-model';
import { REPO_ROOT, runCrosscheck } from '../support/cli';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'workflows');
const OPTIONS = { version: '9.9.9', tarball: 'tools/crosscheck-9.9.9.tgz', image: 'node:24' };

type Step = { name: string; script: string[]; artifacts?: string[]; clone?: unknown };
type Entry = { step?: Step; parallel?: Array<{ step: Step }>; variables?: Array<Record<string, unknown>> };

function vendored(folder: string, file: string) {
  const relative = `.github/workflows/${file}`;
  return readWorkflow(relative, readFileSync(join(FIXTURES, folder, relative), 'utf8'));
}

describe('workflow pipelines', () => {
  it("draws GitHub's starter Node.js CI: the matrix as parallel steps on main and for pull requests, Crosscheck pinned", () => {
    const drawn = drawPipelines([vendored('starter-node-ci', 'node.js.yml')], OPTIONS);
    assert.deepEqual(drawn.problems, []);
    const document = parse(drawn.yaml) as {
      image: string;
      pipelines: Record<string, Record<string, Entry[]>>;
    };
    assert.equal(document.image, 'node:24');
    const main = document.pipelines.branches!.main!;
    assert.equal(main.length, 1);
    const names = main[0]!.parallel!.map((entry) => entry.step.name);
    assert.deepEqual(names, [
      'build (node-version=12.x)',
      'build (node-version=14.x)',
      'build (node-version=16.x)',
    ]);
    const script = main[0]!.parallel![1]!.step.script;
    assert.deepEqual(script, [
      '[ "$(crosscheck --version 2>/dev/null)" = 9.9.9 ] || npm install --global --offline tools/crosscheck-9.9.9.tgz',
      'crosscheck workflow run .github/workflows/node.js.yml --job build --matrix node-version=14.x',
    ]);
    assert.deepEqual(document.pipelines['pull-requests']!['**'], main);
    assert.match(
      drawn.yaml,
      /^#   - .*on\.pull_request branch filters match the destination branch.*workflow run skips the job/m,
    );
  });

  it('draws needs as step order with the outputs file as an artifact, tags and branches, workflow_dispatch as custom: with variables', () => {
    const drawn = drawPipelines([vendored('release-outputs', 'release.yml')], OPTIONS);
    assert.deepEqual(drawn.problems, []);
    const document = parse(drawn.yaml) as { pipelines: Record<string, Record<string, Entry[]>> };
    const [version, publish] = document.pipelines.branches!['release/**']!;
    assert.deepEqual(version!.step!.artifacts, ['.crosscheck/outputs/version.env']);
    assert.match(
      version!.step!.script.at(-1)!,
      /--job version --outputs-file \.crosscheck\/outputs\/version\.env$/,
    );
    assert.match(
      publish!.step!.script.at(-1)!,
      /--job publish --needs \.crosscheck\/outputs\/version\*\.env --secret PUBLISH_TOKEN --var REGISTRY="\$REGISTRY"$/,
    );
    assert.ok(document.pipelines.tags!['v*']);
    const custom = document.pipelines.custom!.release!;
    assert.deepEqual(custom[0]!.variables, [
      { name: 'WORKFLOW_INPUT_CHANNEL', default: 'stable', 'allowed-values': ['stable', 'beta'] },
      { name: 'WORKFLOW_INPUT_DRY_RUN', default: 'true' },
    ]);
    assert.match(
      custom[1]!.step!.script.at(-1)!,
      /--input channel="\$WORKFLOW_INPUT_CHANNEL" --input dry-run="\$WORKFLOW_INPUT_DRY_RUN"/,
    );
    assert.ok(drawn.untranslated.some((line) => /jobs\.publish\.environment/.test(line)));
  });

  it('installs from a release URL only after checking its sha256', () => {
    const drawn = drawPipelines([vendored('is-plain-obj', 'main.yml')], {
      ...OPTIONS,
      tarball: 'https://example.com/releases/download/v9.9.9/crosscheck-9.9.9.tgz',
    });
    assert.match(
      drawn.yaml,
      /- '\[ "\$\(crosscheck --version 2>\/dev\/null\)" = 9\.9\.9 \] \|\| \{ curl -fsSL -o \/tmp\/crosscheck-9\.9\.9\.tgz https:\/\/example\.com\/releases\/download\/v9\.9\.9\/crosscheck-9\.9\.9\.tgz && echo "\$CROSSCHECK_TARBALL_SHA256  \/tmp\/crosscheck-9\.9\.9\.tgz" \| sha256sum -c - && npm install --global --offline \/tmp\/crosscheck-9\.9\.9\.tgz; \}'/,
    );
    assert.deepEqual(drawn.problems, []);
  });

  it('finds keys Pipelines would refuse (so the check above can fail)', () => {
    assert.deepEqual(
      checkPipelinesKeys({
        pipelines: {
          default: [{ step: { name: 'x', script: ['true'], 'runs-on-github': 'x' } }],
          nightly: [],
        },
      }),
      [
        'pipelines.nightly is not a key Pipelines accepts',
        'pipelines.default[0].step.runs-on-github is not a key Pipelines accepts',
        'pipelines.nightly is not a mapping of patterns',
      ],
    );
    assert.deepEqual(
      checkPipelinesKeys({ pipelines: { default: [{ parallel: [{ step: { script: [] } }] }] } }),
      [
        'pipelines.default[0].parallel needs at least two steps',
        'pipelines.default[0].parallel[0].step.script is not a list of commands',
      ],
    );
  });

  it('prints the file on stdout and what is not translated on stderr (CLI), validating each workflow first', async () => {
    const result = await runCrosscheck(['workflow', 'pipelines', '.github/workflows/main.yml'], {
      cwd: join(FIXTURES, 'is-plain-obj'),
    });
    assert.equal(result.code, 0, result.stderr);
    const document = parse(result.stdout) as { pipelines: Record<string, unknown> };
    assert.deepEqual(Object.keys(document.pipelines), ['default', 'pull-requests']);
    assert.match(result.stderr, /^warning: not translated: .*jobs\.test\.runs-on/m);
    const invalid = await runCrosscheck(['workflow', 'pipelines', 'package.json'], { cwd: REPO_ROOT });
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /package\.json is not a valid GitHub workflow/);
  });
});
