// Decides whether a URL goes through the HTTP(S) proxy the adapter found (HTTPS_PROXY/HTTP_PROXY/NO_PROXY), and opens
// the tunnel for one attempt: its socket dies with the attempt, and a refused CONNECT is told apart from the server.
import type { Agent } from 'node:http';

export interface ProxySettings {
  httpsProxy?: string;
  httpProxy?: string;
  /** Comma- or space-separated hosts, domain suffixes (`.example.com` or `example.com`), `host:port`, or `*`. */
  noProxy?: string;
}

/**
 * The proxy variables of an environment (the process's, or the one the editor started with): upper case first, then
 * lower case, as curl reads them; an empty value counts as unset.
 */
export function proxyFromEnvironment(env: Record<string, string | undefined>): ProxySettings {
  return {
    httpsProxy: env.HTTPS_PROXY || env.https_proxy || undefined,
    httpProxy: env.HTTP_PROXY || env.http_proxy || undefined,
    noProxy: env.NO_PROXY || env.no_proxy || undefined,
  };
}

/** Returns the proxy URL to use for `target`, or undefined to connect directly. */
export function proxyFor(target: URL, settings: ProxySettings | undefined): string | undefined {
  if (!settings) return undefined;
  const proxy = target.protocol === 'https:' ? settings.httpsProxy || settings.httpProxy : settings.httpProxy;
  if (!proxy) return undefined;
  return bypassesProxy(target, settings.noProxy ?? '') ? undefined : proxy;
}

function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [entryHost, entryPort] = splitHostPort(entry);
    if (entryPort && entryPort !== port) continue;
    const bare = entryHost.replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  const [host, port, ...more] = entry.split(':');
  return host !== undefined && port !== undefined && more.length === 0 && /^\d+$/.test(port)
    ? [host, port]
    : [entry, undefined];
}

/** The proxy's answer to CONNECT when it was not 200: the request never reached the server. */
export interface TunnelRefusal {
  status: number;
  statusText: string;
}

/** The agent for one attempt through `proxy`, and what the proxy said if it refused the tunnel. */
export interface Tunnel {
  agent: Agent;
  refusal(): TunnelRefusal | undefined;
  /** Whether the proxy answered CONNECT at all. */
  opened(): boolean;
  /** The proxy as host:port, for messages (never its credentials). */
  proxyHost: string;
}

/**
 * A CONNECT tunnel through `proxy` for one attempt. `signal` destroys the socket to the proxy even while CONNECT is
 * still unanswered, so a silent proxy cannot keep the process alive after the attempt timed out.
 */
export async function openTunnel(proxy: string, signal: AbortSignal): Promise<Tunnel> {
  const { HttpsProxyAgent } = await import('https-proxy-agent');
  const agent = new HttpsProxyAgent(proxy, { signal });
  let refusal: TunnelRefusal | undefined;
  let answered = false;
  agent.on('proxyConnect', (connect: { statusCode: number; statusText: string }) => {
    answered = true;
    if (connect.statusCode !== 200) refusal = { status: connect.statusCode, statusText: connect.statusText };
  });
  return {
    agent: agent as unknown as Agent,
    refusal: () => refusal,
    opened: () => answered,
    proxyHost: new URL(proxy).host,
  };
}
