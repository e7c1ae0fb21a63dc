// The floor of bench/status-set.ts for Crosscheck's HTTP library: the same POST as raw-status-post.ts, sent with the
// bundled node-fetch (dist/fetch.js, the chunk the CLI loads) and nothing else of Crosscheck's.
// Run: node out/bench/node-fetch-status-post.js REPO COMMIT KEY STATE URL  (same environment as raw-status-post.js)
import * as nodeModule from 'node:module';
import { join } from 'node:path';

type Fetch = (
  url: string,
  init: Record<string, unknown>,
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

// As dist/cli.js does: the compile cache on (Node.js 22.1+), then the chunk.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built chunk, as the CLI loads it
const fetch = (require(join(__dirname, '..', '..', 'dist', 'fetch.js')) as { default: Fetch }).default;

const [repo, commit, key, state, link] = process.argv.slice(2);
const url = `${process.env.BITBUCKET_API_URL}/repositories/${repo}/commit/${commit}/statuses/build`;
const body = JSON.stringify({ key, state, url: link, name: key });
const basic = Buffer.from(
  `${process.env.ATLASSIAN_ACCOUNT_EMAIL}:${process.env.BITBUCKET_API_TOKEN}`,
).toString('base64');

fetch(url, {
  method: 'POST',
  headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' },
  body,
}).then(
  async (response) => {
    const text = await response.text();
    const posted = response.ok ? (JSON.parse(text) as { state?: string }) : undefined;
    process.stdout.write(response.ok ? `${posted?.state} ${key}\n` : `HTTP ${response.status}: ${text}\n`);
    process.exitCode = response.ok ? 0 : 1;
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  },
);
