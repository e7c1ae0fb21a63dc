// Every command beyond status and doctor; each module registers its own options and help.
import { actionCommand } from './commands/action-run';
import { demoCommand } from './commands/demo';
import { runCommand } from './commands/run';
import { sandboxCommand } from './commands/sandbox';
import { sonarGateCommand } from './commands/sonar-gate';
import { triggerCommand } from './commands/trigger';
import { workflowCommand } from './commands/workflow';
import type { CommandRegistration } from './program';

export const allCommands: CommandRegistration[] = [
  triggerCommand,
  sonarGateCommand,
  runCommand,
  demoCommand,
  actionCommand,
  sandboxCommand,
  workflowCommand,
];
