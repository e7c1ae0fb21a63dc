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
  chooseFindingReports: 'crosscheck.chooseFindingReports',
  openRunLog: 'crosscheck.openRunLog',
  stopRun: 'crosscheck.stopRun',
  rerunFromLog: 'crosscheck.rerunFromLog',
} as const;

/** The scheme of the read-only run log documents. */
export const RUN_LOG_SCHEME = 'crosscheck-run-log';
/** Context key set while the active run log follows a run that has not finished (Stop is offered). */
export const RUN_LOG_LIVE_CONTEXT = 'crosscheck.runLogLive';
/** The status bar item that counts the findings shown as problems. */
export const FINDINGS_STATUS_ID = 'crosscheck.findings';

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
  hiddenFindingReports: 'findings.hiddenReports',
} as const;

/** Built-in commands the extension's messages offer as buttons. */
export const BUILTIN_COMMANDS = {
  openSettings: 'workbench.action.openSettings',
  manageTrust: 'workbench.trust.manage',
  push: 'git.push',
  problems: 'workbench.actions.view.problems',
} as const;
