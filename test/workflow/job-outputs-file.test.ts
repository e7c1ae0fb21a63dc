// A job's outputs file: sourceable by a shell, and read back by --needs with the original output names.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatJobOutputs, parseJobOutputs, readNeeds } from '../../src/runner/workflow/job-outputs-file';

describe('job outputs file', () => {
  const outputs = { 'report-url': 'https://x/y?a=1&b=2', notes: "it's\nmulti-line $HOME `x`", empty: '' };

  it('round-trips names and values (quotes, newlines, $ and backticks kept literal) and is sourceable', () => {
    const { text } = formatJobOutputs('build', 'success', outputs);
    assert.deepEqual(parseJobOutputs(text, 'f'), { job: 'build', result: 'success', outputs });
    const file = join(mkdtempSync(join(tmpdir(), 'crosscheck-outputs-')), 'build.env');
    writeFileSync(file, text);
    const sourced = execFileSync('sh', ['-c', `. "${file}"; printf '%s' "$OUTPUT_NOTES"`], {
      encoding: 'utf8',
    });
    assert.equal(sourced, outputs.notes);
  });

  it('refuses a file that is not a job outputs file, and merges matrix combinations keeping the worst result', async () => {
    assert.throws(
      () => parseJobOutputs("export OUTPUT_X='1'\n", 'plain.env'),
      /plain\.env is not a job's outputs file/,
    );
    const folder = mkdtempSync(join(tmpdir(), 'crosscheck-needs-'));
    writeFileSync(join(folder, 'a.env'), formatJobOutputs('build', 'success', { v: '20' }).text);
    writeFileSync(join(folder, 'b.env'), formatJobOutputs('build', 'failure', { v: '22' }).text);
    assert.deepEqual(await readNeeds([join(folder, 'a.env'), join(folder, 'b.env')]), {
      build: { result: 'failure', outputs: { v: '22' } },
    });
    await assert.rejects(
      readNeeds([join(folder, 'missing.env')]),
      /Cannot read --needs .*missing\.env \(ENOENT\)/,
    );
  });
});
