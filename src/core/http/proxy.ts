// Decides whether a URL goes through the HTTP(S) proxy the adapter found (HTTPS_PROXY/HTTP_PROXY/NO_PROXY).

export interface ProxySettings {
  httpsProxy?: string;
  httpProxy?: string;
  /** Comma- or space-separated hosts, domain suffixes (`.example.com` or `example.com`), `host:port`, or `*`. */
  noProxy?: string;
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
  if (bracketed) return [bracketed[1], bracketed[2]];
  const parts = entry.split(':');
  return parts.length === 2 && /^\d+$/.test(parts[1]) ? [parts[0], parts[1]] : [entry, undefined];
}
