// Entry point of the `crosscheck` command: runs the CLI on this process and exits with its code.
import { enableCompileCache } from './compile-cache';

// A reader that stops early (`crosscheck … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const argv = process.argv.slice(2);
// `action run` and `workflow run`: the (first) action's Node.js starts now, booting while the runtime loads and the
// action is prepared.
const words = argv.filter((word) => !word.startsWith('-'));
// Required only then (esbuild inits it lazily): other commands never load child_process for it.
const warmNode =
  (words[0] === 'action' || words[0] === 'workflow') &&
  words[1] === 'run' &&
  !argv.includes('--help') &&
  !argv.includes('-h')
    ? startWarmNode()
    : undefined;

function startWarmNode() {
  const { startupEnvironment, WarmNode } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see above
    require('./action-engine/script-process') as typeof import('./action-engine/script-process');
  return WarmNode.start(process.execPath, startupEnvironment(process.env), process.cwd());
}

// The runtime chunk is loaded once the compile cache is on, so a second start does not compile it again; each
// command keeps its own (the code it runs).
enableCompileCache(__dirname, words.slice(0, 2).join(' '), process.env);
void import('./runtime.js').then(({ allCommands, EXIT_INTERNAL, processContext, runCli, withSourceLines }) =>
  runCli(argv, { ...processContext(), ...(warmNode && { warmNode }) }, allCommands).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `crosscheck: unexpected error: ${error instanceof Error ? withSourceLines(error.stack ?? error.message) : String(error)}\n` +
          '  This is a bug in Crosscheck; please report it with the output of --verbose.\n',
      );
      process.exitCode = EXIT_INTERNAL;
    },
  ),
);
