// Tests for the outputs file: names, quoting, and that `sh` reads back exactly the values written.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  formatOutputsFile,
  outputVariableName,
  writeOutputsFile,
} from '../../src/runner/action-engine/outputs-file';

describe('outputs file', () => {
  it('names variables OUTPUT_<NAME> with shell-safe characters', () => {
    assert.equal(outputVariableName('report-url'), 'OUTPUT_REPORT_URL');
    assert.equal(outputVariableName('1st.result'), 'OUTPUT_1ST_RESULT');
    assert.equal(outputVariableName('naïve value'), 'OUTPUT_NA_VE_VALUE');
  });

  it('keeps the first of two outputs that map to the same variable and says so', () => {
    assert.deepEqual(formatOutputsFile({ 'a-b': '1', a_b: '2' }), {
      text: "export OUTPUT_A_B='1'\n",
      collisions: ["Outputs 'a-b' and 'a_b' both map to OUTPUT_A_B; 'a_b' was left out."],
    });
  });

  (process.platform === 'win32' ? it.skip : it)(
    'round-trips awkward values through `. file` in sh',
    async () => {
      const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-outputs-'));
      try {
        const outputs = {
          plain: 'hello',
          quotes: `it's "double" and 'single' ''`,
          shell: '$HOME `id` $(id) \\ ! * ?',
          multiline: 'first\nsecond\n\nfourth\n',
          empty: '',
        };
        const file = path.join(directory, 'outputs.env');
        assert.deepEqual(await writeOutputsFile(file, outputs), []);
        assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
        for (const [name, value] of Object.entries(outputs)) {
          const variable = outputVariableName(name);
          const read = spawnSync('sh', ['-c', `. "$1" && printf '%s' "$${variable}"`, 'sh', file], {
            encoding: 'utf8',
          });
          assert.equal(read.status, 0, read.stderr);
          assert.equal(read.stdout, value, name);
        }
        const exported = spawnSync(
          'sh',
          ['-c', '. "$1" && sh -c \'printf %s "$OUTPUT_PLAIN"\'', 'sh', file],
          {
            encoding: 'utf8',
          },
        );
        assert.equal(exported.stdout, 'hello', 'the variables are exported to child processes');
      } finally {
        await fs.rm(directory, { recursive: true, force: true });
      }
    },
  );
});
