// Relays a CGI program's answer (git http-backend's): its header lines become the HTTP status and headers, the rest the body.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** The most a CGI header block may take before the answer is refused as broken. */
const HEADER_LIMIT = 64 * 1024;

/**
 * Pipes `stdout` of a CGI program into `response`: `Status:` sets the status (200 without it), other header lines are
 * set as they are, and what follows the blank line is the body. Returns whether the headers were sent, for the caller
 * to answer 500 when the program ended without any.
 */
export function relayCgiResponse(stdout: Readable, response: ServerResponse): () => boolean {
  let head = Buffer.alloc(0);
  let headersDone = false;
  stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > HEADER_LIMIT) stdout.destroy();
      return;
    }
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    response.write(head.subarray(end + 4));
  });
  return () => headersDone;
}
