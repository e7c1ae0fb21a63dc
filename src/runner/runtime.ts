// What the CLI and the action entry points share, bundled once into dist/runtime.js (see esbuild.js).
export { processContext } from './context';
export { EXIT_INTERNAL, EXIT_USAGE } from './exit-codes';
export { runCli } from './program';
export { allCommands } from './registrations';
export { withSourceLines } from './stack-trace';
export { WorkflowCommands } from './workflow-command-writer';
