// The version esbuild writes into the bundle from package.json; "dev" when the sources run unbundled (tests).
declare const CROSSCHECK_VERSION: string | undefined;

export const VERSION: string = typeof CROSSCHECK_VERSION === 'string' ? CROSSCHECK_VERSION : 'dev';

export const USER_AGENT = `crosscheck-vscode/${VERSION}`;
