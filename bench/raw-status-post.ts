// The baseline of bench/status-set.ts: the same build-status POST as `crosscheck status set`, hand-written on
// node:http with nothing else (what a team's own curl-like script would do): Basic email:token, JSON body, 2xx or exit 1.
// Run: node out/bench/raw-status-post.js REPO COMMIT KEY STATE URL  (BITBUCKET_API_URL, ATLASSIAN_ACCOUNT_EMAIL and
// BITBUCKET_API_TOKEN from the environment)
import { request } from 'node:http';

const [repo, commit, key, state, link] = process.argv.slice(2);
const api = new URL(`${process.env.BITBUCKET_API_URL}/repositories/${repo}/commit/${commit}/statuses/build`);
const body = JSON.stringify({ key, state, url: link, name: key });
const basic = Buffer.from(
  `${process.env.ATLASSIAN_ACCOUNT_EMAIL}:${process.env.BITBUCKET_API_TOKEN}`,
).toString('base64');
const post = request(
  api,
  {
    method: 'POST',
    headers: {
      Authorization: `Basic ${basic}`,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    },
  },
  (response) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => {
      const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
      const posted = ok ? (JSON.parse(text) as { state?: string }) : undefined;
      process.stdout.write(ok ? `${posted?.state} ${key}\n` : `HTTP ${response.statusCode}: ${text}\n`);
      process.exitCode = ok ? 0 : 1;
    });
  },
);
post.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
post.end(body);
