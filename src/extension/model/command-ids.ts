// Identifiers of the commands, settings and views the extension contributes (the manifest declares the same).

export const COMMANDS = {
  signIn: 'crosscheck.signIn',
  signOut: 'crosscheck.signOut',
  testConnection: 'crosscheck.testConnection',
  runCheck: 'crosscheck.runCheck',
  showStatus: 'crosscheck.showStatus',
  openPanel: 'crosscheck.openPanel',
  refresh: 'crosscheck.refresh',
  showLog: 'crosscheck.showLog',
} as const;

/** Context key set while an open repository has a Bitbucket Cloud remote; commands that need one are hidden otherwise. */
export const HAS_REPOSITORY_CONTEXT = 'crosscheck.hasBitbucketRepository';
/** Context key set while a credential is stored. */
export const SIGNED_IN_CONTEXT = 'crosscheck.signedIn';

export const STATUS_BAR_ID = 'crosscheck.status';
export const PANEL_VIEW_TYPE = 'crosscheck.statusPanel';

export const SETTINGS = {
  section: 'crosscheck',
  centralRepository: 'centralRepository',
  centralPipeline: 'centralPipeline',
  centralBranch: 'centralBranch',
  checkKey: 'checkKey',
  apiUrl: 'apiUrl',
  notifyOnFinish: 'notifyOnFinish',
} as const;

/** Built-in commands the extension's messages offer as buttons. */
export const BUILTIN_COMMANDS = {
  openSettings: 'workbench.action.openSettings',
  manageTrust: 'workbench.trust.manage',
  push: 'git.push',
} as const;
