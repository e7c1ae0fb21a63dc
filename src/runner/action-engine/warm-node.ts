// A Node.js started before its script is known: reads {script, cwd, env} from fd 3, then becomes that script's process.
import { createReadStream, readSync } from 'node:fs';
import * as nodeModule from 'node:module';

/** What the runner sends once the phase is ready (see WarmNode in script-process.ts). */
interface Handoff {
  script: string;
  cwd: string;
  env: Record<string, string>;
}

/** Becomes the script's process: its environment, folder, argv and main module, as `node script` would have them. */
function become(text: string): void {
  const handoff = JSON.parse(text) as Handoff;
  // The script's own environment, on the real process.env object (its child processes inherit it).
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, handoff.env);
  process.chdir(handoff.cwd);
  process.argv[1] = handoff.script;
  // As `node script` runs it: CommonJS or ESM by the same rules, require.main the script.
  (nodeModule as unknown as { runMain: (main?: string) => void }).runMain(handoff.script);
}

// fd 3 closes when the runner has sent the phase, or when it gave up on this process (then there is nothing to run).
// Read with blocking calls: this process has nothing else to do, and needs no stream machinery to wait.
const chunks: Buffer[] = [];
let blocking = true;
try {
  const buffer = Buffer.alloc(64 * 1024);
  for (let read = readSync(3, buffer); read > 0; read = readSync(3, buffer)) {
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
} catch (error) {
  // A non-blocking descriptor: wait for the rest with a stream instead.
  if ((error as NodeJS.ErrnoException).code === 'EAGAIN') blocking = false;
  else process.exit(0);
}
if (blocking) {
  if (chunks.length === 0) process.exit(0);
  become(Buffer.concat(chunks).toString('utf8'));
} else {
  const input = createReadStream('', { fd: 3 });
  input.on('data', (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
  input.on('error', () => process.exit(0));
  input.on('end', () => {
    if (chunks.length === 0) process.exit(0);
    become(Buffer.concat(chunks).toString('utf8'));
  });
}
