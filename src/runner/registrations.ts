// The commands beyond status and doctor, each registered from its own module.
import { actionRun } from './commands/action-run';
import { demoCommand } from './commands/demo';
import { runCommand } from './commands/run';
import { sandbox } from './commands/sandbox';
import { sonarGateCommand } from './commands/sonar-gate';
import { triggerCommand } from './commands/trigger';
import type { CommandRegistration } from './program';

const sandboxCommand: CommandRegistration = (program, action) => {
  program
    .command('sandbox')
    .description(
      'serve a local stand-in of Bitbucket Cloud and SonarQube with demo credentials, to try Crosscheck',
    )
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', '7990')
    .option('--latency <ms>', 'delay added to every answer', '0')
    .action(action(sandbox));
};

const actionCommand: CommandRegistration = (program, action) => {
  program
    .command('action')
    .description('run GitHub-style JavaScript actions outside GitHub, e.g. in Bitbucket Pipelines')
    .command('run')
    .description(
      "run the JavaScript action in a local folder (action.yml: pre, main, post) with GitHub's runner protocol",
    )
    .argument('<path>', 'folder holding action.yml or action.yaml')
    .option(
      '--with <name=value>',
      'an input of the action (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--outputs-file <file>',
      'write the outputs as a dotenv file (export OUTPUT_NAME=...) a later step can source',
    )
    .option('--debug', 'show ::debug:: lines and set RUNNER_DEBUG=1')
    .option(
      '--key <key>',
      'also post a build status under this key (INPROGRESS, then the result) with a Code Insights report',
    )
    .option('--name <text>', 'status and report title (default: the action name)')
    .option('--url <url>', 'link from the status (default: this CI run, when known)')
    .option('--repo <workspace/repo>', 'repository for the status (default $BITBUCKET_REPO_FULL_NAME)')
    .option('--commit <sha>', 'commit for the status (default $BITBUCKET_COMMIT)')
    .option('--refname <branch>', 'branch for the status (default $BITBUCKET_BRANCH)')
    .addHelpText(
      'after',
      '\nExample:\n  crosscheck action run ./checks/license-scan --with fail-on=high --outputs-file outputs.env --key license',
    )
    .action(
      action((options, context, reporter, command) => actionRun(options, context, reporter, command.args[0])),
    );
};

export const allCommands: CommandRegistration[] = [
  triggerCommand,
  sonarGateCommand,
  runCommand,
  demoCommand,
  actionCommand,
  sandboxCommand,
];
