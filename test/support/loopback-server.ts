// A loopback HTTP server answering each request with the next scripted handler (the last one repeats): the hostile
// or faulty servers of the client and CLI tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface LoopbackServer {
  url: string;
  seen: SeenRequest[];
  server: Server;
  close: () => Promise<void>;
}

export async function scriptedServer(handlers: Handler[]): Promise<LoopbackServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)];
      if (!handler) throw new Error('The loopback server was given no handler.');
      handler(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json =
  (status: number, value: unknown, headers: Record<string, string> = {}): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify(value));
  };

/** Any text with any content type, e.g. an HTML login page with status 200. */
export const text =
  (
    status: number,
    body: string,
    contentType = 'text/html; charset=utf-8',
    headers: Record<string, string> = {},
  ): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'Content-Type': contentType, ...headers });
    response.end(body);
  };

export const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>Log in with Atlassian account</title></head><body><form action="/login"></form></body></html>';

export const rateLimited: Handler = text(429, 'Rate limit for this resource has been exceeded', 'text/plain');
export const reset: Handler = (request) => request.socket.destroy();
export const hang: Handler = () => undefined;
