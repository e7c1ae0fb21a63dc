// Runs a compiled extension-host mocha suite inside the real VS Code server, driven by Chromium, and returns its exit code.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { format } from 'util';
import type { Browser } from 'playwright-core';
import { reportFileVariable } from '../../vscode/reportFile';
import { launchChromium, openWorkbench } from './browser';
import {
  findVscodeInstallation,
  repositoryRoot,
  startVscodeServer,
  type VscodeInstallation,
} from './vscodeServer';

export interface ExtensionHostSuiteOptions {
  /** Folder holding the extension's package.json (its `main` must be built). */
  readonly extensionDevelopmentPath: string;
  /** Compiled suite entry exporting `run(): Promise<void>` (test/vscode/index.ts writes its report where asked). */
  readonly extensionTestsPath: string;
  /** Folder opened in the workbench; a fresh empty one unless given. */
  readonly workspaceFolder?: string;
  /** Where logs go when the suite fails; .artifacts/vscode unless given. */
  readonly artifactsDir?: string;
  /** Give up (exit code 1) after this long; 5 minutes unless given. */
  readonly timeoutMs?: number;
  readonly installation?: VscodeInstallation;
  /** Receives the suite's report (mocha's spec reporter) as it is written; stdout unless given. */
  readonly output?: (text: string) => void;
}

/** A log file the workbench hands over when the extension host exits (the browser side keeps its logs in memory). */
interface WorkbenchLog {
  readonly relativePath: string;
  readonly contents: string;
}

interface SuiteExit {
  readonly code: number;
  readonly logs: readonly WorkbenchLog[];
}

/**
 * Starts VS Code's server (server-main.js with the smoke-test driver), opens the workbench with the extension under
 * development and the suite in the URL payload, and resolves with the code the workbench reports when the suite ends:
 * 0 when `run()` resolved, 1 when it rejected or the run timed out. On failure the server, extension host and workbench
 * logs are copied to the artifacts folder.
 */
export async function runExtensionHostSuite(options: ExtensionHostSuiteOptions): Promise<number> {
  const installation = options.installation ?? findVscodeInstallation();
  const output = options.output ?? ((text: string) => process.stdout.write(text));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-exthost-'));
  const workspaceFolder = options.workspaceFolder ?? path.join(scratch, 'workspace');
  fs.mkdirSync(workspaceFolder, { recursive: true });
  const windowLogFile = path.join(scratch, 'window.log');
  const report = new FileTail(path.join(scratch, 'report.txt'), output);
  let exit: SuiteExit = { code: 1, logs: [] };
  let browser: Browser | undefined;
  const server = await startVscodeServer({
    installation,
    kind: 'server-main',
    extensionsDir: path.join(scratch, 'extensions'),
    userDataDir: path.join(scratch, 'user-data'),
    logFile: path.join(scratch, 'server.log'),
    extraArgs: ['--enable-smoke-test-driver', '--disable-workspace-trust'],
    env: { [reportFileVariable]: report.file },
  }).catch((error: unknown) => {
    keepLogs(scratch, [], options.artifactsDir);
    throw error;
  });
  try {
    browser = await launchChromium();
    let reportExit: (result: SuiteExit) => void = () => undefined;
    const exited = new Promise<SuiteExit>((resolve) => (reportExit = resolve));
    await openWorkbench(browser, suiteUrl(server.url, server.port, workspaceFolder, options), {
      consoleLogFile: path.join(scratch, 'console.log'),
      beforeNavigate: async (page) => {
        await page.exposeFunction('codeAutomationExit', (code: number, logs?: WorkbenchLog[]) =>
          reportExit({ code, logs: logs ?? [] }),
        );
        // The window's log service (the extension host's console included) reports here under the smoke-test driver.
        await page.exposeFunction('codeAutomationLog', (level: string, args: unknown[]) =>
          fs.appendFileSync(windowLogFile, `[${level}] ${format(...args)}\n`),
        );
      },
    });
    exit = await withTimeout(exited, options.timeoutMs ?? 300_000, () => {
      output(`extension-host suite did not finish within ${options.timeoutMs ?? 300_000} ms\n`);
      return { code: 1, logs: [] };
    });
  } finally {
    report.stop();
    await browser?.close();
    await server.stop();
    if (exit.code !== 0) {
      const kept = keepLogs(scratch, exit.logs, options.artifactsDir);
      output(`extension-host suite failed (exit ${exit.code}); logs in ${kept}\n`);
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return exit.code;
}

/** The workbench URL that makes VS Code load the extension under development and run the suite in its host. */
function suiteUrl(base: string, port: number, folder: string, options: ExtensionHostSuiteOptions): string {
  const remote = (file: string) => `vscode-remote://127.0.0.1:${port}${path.resolve(file)}`;
  const payload = [
    ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)],
    ['extensionTestsPath', remote(options.extensionTestsPath)],
  ];
  return `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(onTimeout()), timeoutMs)));
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Passes on what another process appends to a file, polling it until stopped (then passing on the rest). */
class FileTail {
  private offset = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly file: string,
    private readonly output: (text: string) => void,
  ) {
    this.timer = setInterval(() => this.flush(), 250);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private flush(): void {
    if (!fs.existsSync(this.file)) return;
    const content = fs.readFileSync(this.file);
    if (content.length <= this.offset) return;
    this.output(content.subarray(this.offset).toString('utf8'));
    this.offset = content.length;
  }
}

/** Copies the server's output, its logs folder (extension host included) and the workbench's logs; returns the folder. */
function keepLogs(scratch: string, workbenchLogs: readonly WorkbenchLog[], artifactsDir?: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = path.join(
    artifactsDir ?? path.join(repositoryRoot, '.artifacts', 'vscode'),
    `exthost-${stamp}`,
  );
  fs.mkdirSync(target, { recursive: true });
  for (const file of ['server.log', 'window.log', 'console.log', 'report.txt']) {
    const source = path.join(scratch, file);
    if (fs.existsSync(source)) fs.copyFileSync(source, path.join(target, file));
  }
  const serverLogs = path.join(scratch, 'user-data', 'logs');
  if (fs.existsSync(serverLogs)) fs.cpSync(serverLogs, path.join(target, 'server-logs'), { recursive: true });
  for (const log of workbenchLogs) {
    const relative = path.normalize(log.relativePath).replace(/^(\.\.[/\\])+/, '');
    const file = path.join(target, 'workbench-logs', relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, log.contents);
  }
  return target;
}
