// The version the bundle was built as (esbuild defines it from package.json; "dev" unbundled) and the User-Agent it sends.
declare const CROSSCHECK_VERSION: string | undefined;

export const VERSION: string = typeof CROSSCHECK_VERSION === 'string' ? CROSSCHECK_VERSION : 'dev';

/** The User-Agent an adapter sends: its product name and this version, e.g. `crosscheck/0.1.0`. */
export function userAgent(product: 'crosscheck' | 'crosscheck-vscode'): string {
  return `${product}/${VERSION}`;
}
