// Matrix expansion as GitHub documents it (include/exclude examples of "Running variations of jobs"), and choosing one.
import assert from 'node:assert/strict';
import { chooseCombination, matrixCombinations } from '../../src/runner/workflow/matrix';
import { readWorkflow, WorkflowError } from '../../src/runner/workflow/workflow-model';

const job = (matrix: string) =>
  readWorkflow(
    'ci.yml',
    `on: push\njobs:\n  build:\n    runs-on: x\n    strategy:\n      matrix:\n${matrix}\n    steps:\n      - run: true\n`,
  ).jobs[0]!;

describe('workflow matrix', () => {
  it("expands GitHub's include example: added values may be overwritten, original ones never; unmatched includes become combinations", () => {
    const combinations = matrixCombinations(
      job(`        fruit: [apple, pear]
        animal: [cat, dog]
        include:
          - color: green
          - color: pink
            animal: cat
          - fruit: apple
            shape: circle
          - fruit: banana
          - fruit: banana
            animal: cat`),
    );
    assert.deepEqual(combinations, [
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
  });

  it("expands GitHub's exclude example: an exclude matches on the keys it names", () => {
    const combinations = matrixCombinations(
      job(`        os: [macos-latest, windows-latest]
        version: [12, 14, 16]
        environment: [staging, production]
        exclude:
          - os: macos-latest
            version: 12
            environment: production
          - os: windows-latest
            version: 16`),
    );
    assert.equal(combinations.length, 9);
    assert.ok(!combinations.some((c) => c.os === 'windows-latest' && c.version === 16));
    assert.ok(
      !combinations.some(
        (c) => c.os === 'macos-latest' && c.version === 12 && c.environment === 'production',
      ),
    );
  });

  it('chooses one combination with --matrix values (numbers given as text), and refuses an ambiguous or unknown choice', () => {
    const build = job(`        node: [20, 22]\n        os: [linux, mac]`);
    assert.deepEqual(chooseCombination(build, { node: '22', os: 'mac' }), { node: 22, os: 'mac' });
    assert.throws(
      () => chooseCombination(build, { node: '22' }),
      /2 combinations of job 'build' match node=22/,
    );
    assert.throws(() => chooseCombination(build, { node: '18', os: 'mac' }), WorkflowError);
  });

  it('takes the values of a matrix computed by an expression as given, and cannot list it', () => {
    const computed = job(`        node: \${{ fromJSON(needs.setup.outputs.versions) }}`);
    assert.throws(() => matrixCombinations(computed), /is not a list \(an expression\?\)/);
    const whole = readWorkflow(
      'ci.yml',
      'on: push\njobs:\n  b:\n    runs-on: x\n    strategy:\n      matrix: ${{ fromJSON(vars.MATRIX) }}\n    steps:\n      - run: true\n',
    ).jobs[0]!;
    assert.deepEqual(chooseCombination(whole, { node: '20', os: 'linux' }), { node: 20, os: 'linux' });
  });
});
