// Unit tests for validating action.yml contents and resolving inputs (no files, no processes).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  ActionDefinitionError,
  resolveInputs,
  validateActionManifest,
} from '../../src/runner/action-engine/action-definition';
import { evaluateCondition, type JobStatus } from '../../src/runner/action-engine/conditions';

const FILE = path.resolve('/actions/check/action.yml');

function refusal(manifest: unknown): string {
  try {
    validateActionManifest(manifest, FILE);
  } catch (error) {
    assert.ok(error instanceof ActionDefinitionError);
    assert.ok(error.message.startsWith(`${FILE}: `), error.message);
    return error.message.slice(FILE.length + 2);
  }
  return assert.fail('expected a refusal');
}

describe('validateActionManifest', () => {
  it('reads a full JavaScript action with the documented defaults', () => {
    const definition = validateActionManifest(
      {
        name: 'Quality gate',
        description: 'Checks',
        inputs: {
          token: { description: 'API token', required: true },
          retries: { default: 3 },
          legacy: { deprecationMessage: 'Gone soon' },
          bare: null,
        },
        outputs: { status: { description: 'OK or ERROR' }, url: null },
        runs: { using: 'Node20', main: 'dist/index.js', post: 'dist/cleanup.js' },
      },
      FILE,
    );
    assert.deepEqual(definition, {
      file: FILE,
      directory: path.dirname(FILE),
      name: 'Quality gate',
      description: 'Checks',
      inputs: [
        { name: 'token', description: 'API token', required: true },
        { name: 'retries', default: '3', required: false },
        { name: 'legacy', deprecationMessage: 'Gone soon', required: false },
        { name: 'bare', required: false },
      ],
      outputs: [{ name: 'status', description: 'OK or ERROR' }, { name: 'url' }],
      using: 'node20',
      main: 'dist/index.js',
      preIf: 'always()',
      post: 'dist/cleanup.js',
      postIf: 'always()',
    });
  });

  it('names a nameless action after its folder', () => {
    assert.equal(validateActionManifest({ runs: { using: 'node24', main: 'a.js' } }, FILE).name, 'check');
  });

  it('explains what is wrong and what to do', () => {
    assert.match(refusal(['not', 'a', 'mapping']), /must be a YAML mapping/);
    assert.match(refusal({ name: 'x' }), /runs is missing/);
    assert.match(
      refusal({ runs: { using: 'node8', main: 'a.js' } }),
      /runs.using 'node8' is not supported. Use node12/,
    );
    assert.match(refusal({ runs: { main: 'a.js' } }), /runs.using '' is not supported/);
    assert.match(refusal({ runs: { using: 'node20', main: '  ' } }), /runs.main must be a script path/);
    assert.match(
      refusal({ runs: { using: 'node20', main: 'a.js', post: 7 } }),
      /runs.post must be a script path/,
    );
    assert.match(
      refusal({ inputs: ['a'], runs: { using: 'node20', main: 'a.js' } }),
      /inputs must be a mapping/,
    );
    assert.match(
      refusal({ inputs: { a: 'text' }, runs: { using: 'node20', main: 'a.js' } }),
      /inputs.a must be a mapping/,
    );
    assert.match(refusal({ runs: { using: 'docker', image: 'Dockerfile' } }), /Docker container actions/);
    assert.match(refusal({ runs: { using: 'composite' } }), /runs.steps is missing/);
    const step = (fields: Record<string, unknown>) =>
      refusal({ runs: { using: 'composite', steps: [fields] } });
    assert.match(step({ run: 'echo' }), /runs.steps\[0\]: shell is required/);
    assert.match(step({ run: 'echo', uses: './x', shell: 'bash' }), /exactly one of run or uses/);
    assert.match(step({ uses: './x', shell: 'bash' }), /apply only to run steps/);
    assert.match(step({ run: 'x', shell: 'bash', id: '1st' }), /id '1st' must start with a letter/);
    assert.match(step({ run: 'x', shell: 'bash', timeout: 3 }), /unexpected key 'timeout'/);
  });
});

describe('conditions', () => {
  it('evaluates the four status functions, bare or in ${{ }}, against the job status', () => {
    const table: Array<[string, JobStatus, boolean]> = [
      ['always()', 'failure', true],
      ['always()', 'cancelled', true],
      [' ${{ failure( ) }} ', 'failure', true],
      ['failure()', 'success', false],
      ['failure()', 'cancelled', false],
      ['${{cancelled()}}', 'cancelled', true],
      ['cancelled()', 'success', false],
      ['success()', 'success', true],
      ['success()', 'failure', false],
    ];
    for (const [condition, status, expected] of table) {
      assert.equal(evaluateCondition(condition, status), expected, `${condition} when ${status}`);
    }
  });

  it('needs the expression evaluator for anything else', () => {
    for (const expression of [
      'always',
      '!cancelled()',
      'success() && failure()',
      "runner.os == 'Linux'",
      '',
    ]) {
      assert.throws(() => evaluateCondition(expression, 'success'), /cannot be evaluated/, expression);
    }
  });
});

describe('resolveInputs', () => {
  const definition = validateActionManifest(
    {
      inputs: {
        'sonar token': { required: true },
        'poll-interval': { default: '5' },
        host: { default: '${{ vars.SONAR_HOST }}' },
      },
      runs: { using: 'node20', main: 'a.js' },
    },
    FILE,
  );

  it('names variables INPUT_ + upper case with spaces as _ and hyphens kept', () => {
    const resolved = resolveInputs(definition, { 'Sonar Token': 't', host: 'https://sonar' });
    assert.deepEqual(resolved.env, {
      INPUT_SONAR_TOKEN: 't',
      INPUT_HOST: 'https://sonar',
      'INPUT_POLL-INTERVAL': '5',
    });
    assert.deepEqual(resolved.warnings, []);
  });

  it('passes undeclared inputs through and warns about them', () => {
    const resolved = resolveInputs(definition, { 'sonar token': 't', host: 'h', extra: 'x' });
    assert.equal(resolved.env.INPUT_EXTRA, 'x');
    assert.deepEqual(resolved.warnings, [
      "Unexpected input(s) 'extra', valid inputs are ['sonar token', 'poll-interval', 'host']",
    ]);
  });

  it('counts an explicitly empty required input as missing', () => {
    const resolved = resolveInputs(definition, { 'sonar token': '', host: 'h' });
    assert.deepEqual(resolved.warnings, ['Input required and not supplied: sonar token']);
  });
});
