// Names the variable through which a runner asks the extension-host suite to write mocha's report to a file.

/**
 * When set, the suite appends mocha's report to this file: in the web workbench the extension host's console only
 * reaches the window log, mixed with the workbench's own messages, so the code-server runner reads the file instead.
 */
export const reportFileVariable = 'CROSSCHECK_EXTHOST_REPORT';
