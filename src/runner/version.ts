// The version shipped in the bundle (esbuild defines it from package.json); "dev" when run unbundled.
declare const CROSSCHECK_VERSION: string | undefined;

export const VERSION: string = typeof CROSSCHECK_VERSION === 'string' ? CROSSCHECK_VERSION : 'dev';

export const USER_AGENT = `crosscheck/${VERSION}`;
