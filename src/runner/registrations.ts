// Every command beyond status and doctor; each module registers its own options and help.
import { actionCommand } from './commands/action-run';
import { demoCommand } from './commands/demo';
import { runCommand } from './commands/run';
import { sandboxCommand } from './commands/sandbox';
import { sonarGateCommand } from './commands/sonar-gate';
import { triggerCommand } from './commands/trigger';
import { workflowCommand } from './commands/workflow';
import type { NamedRegistrations } from './program';

/** By the word that names each on the command line; the CLI registers only the one it runs (see registrationsFor). */
export const allCommands: NamedRegistrations = {
  trigger: triggerCommand,
  'sonar-gate': sonarGateCommand,
  run: runCommand,
  demo: demoCommand,
  action: actionCommand,
  sandbox: sandboxCommand,
  workflow: workflowCommand,
};
