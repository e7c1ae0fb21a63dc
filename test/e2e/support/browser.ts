// Drives the VS Code web workbench in Debian's Chromium through playwright-core: palette, status bar, webviews.
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { repositoryRoot } from './vscodeServer';

/** Flags that keep Chromium quiet and working as root in a container without a GPU. */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where screenshots and logs of the UI scenarios go. */
export const e2eArtifactsDir = path.join(repositoryRoot, '.artifacts', 'e2e');

export interface LaunchOptions {
  /** Chromium to run; Debian's /usr/bin/chromium unless given (or CROSSCHECK_CHROMIUM is set). */
  readonly executablePath?: string;
  /** Headless unless false (set CROSSCHECK_HEADED=1 to watch with a display). */
  readonly headless?: boolean;
}

/** Launches Chromium, failing with what to install when it is missing. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? process.env.CROSSCHECK_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: run 'bash .ci/setup-vscode.sh' (installs chromium)`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: options.headless ?? process.env.CROSSCHECK_HEADED !== '1',
    args: [...chromiumArgs],
  });
}

export interface OpenWorkbenchOptions {
  /** How long to wait for `.monaco-workbench`; 60 s unless given. */
  readonly timeoutMs?: number;
  /** File that receives the page's console messages (the extension host's console is forwarded there too). */
  readonly consoleLogFile?: string;
  /** Called on the new page before it navigates (e.g. to expose functions). */
  readonly beforeNavigate?: (page: Page) => Promise<void>;
}

/** Opens the workbench at `url` in a new page and waits until it is drawn. */
export async function openWorkbench(
  browser: Browser,
  url: string,
  options: OpenWorkbenchOptions = {},
): Promise<Workbench> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  if (options.consoleLogFile) recordConsole(page, options.consoleLogFile);
  await options.beforeNavigate?.(page);
  const started = Date.now();
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: options.timeoutMs ?? 60_000 });
  return new Workbench(page, Date.now() - started);
}

/** Appends each console message of the page to a file, one per line. */
export function recordConsole(page: Page, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  page.on('console', (message) => fs.appendFileSync(file, `[${message.type()}] ${message.text()}\n`));
  page.on('pageerror', (error) => fs.appendFileSync(file, `[pageerror] ${error.stack ?? error.message}\n`));
}

/** What a status bar item shows. */
export interface StatusBarItemView {
  /** The visible text (codicons are not text). */
  readonly text: string;
  readonly ariaLabel: string | null;
}

const quickInput = '.quick-input-widget';
const quickInputBox = `${quickInput}:not(.quick-input-widget-closing) input`;
const quickInputLabels = `${quickInput} .quick-input-list .monaco-list-row .label-name`;

/**
 * True once the palette has handed over: the quick input is hidden or closing, or it holds something other than a
 * '>' command filter (the command opened its own input box or quick pick). Runs in the page.
 */
const paletteClosed = `(() => {
  const widget = document.querySelector('${quickInput}');
  const input = widget && widget.querySelector('input');
  return !widget || !widget.checkVisibility() || widget.classList.contains('quick-input-widget-closing')
    || !input || !input.value.startsWith('>');
})()`;

/** One open workbench page and the gestures a person makes on it. */
export class Workbench {
  constructor(
    readonly page: Page,
    /** Milliseconds from navigation to `.monaco-workbench` being visible. */
    readonly openedInMs: number,
  ) {}

  /** Opens the command palette (F1) filtered by `filter` and returns the labels it lists. */
  async commandPaletteLabels(filter: string, timeoutMs = 15_000): Promise<string[]> {
    await this.openCommandPalette();
    await this.page.locator(quickInputBox).fill(`>${filter}`);
    await this.page.locator(quickInputLabels).first().waitFor({ state: 'visible', timeout: timeoutMs });
    return (await this.page.locator(quickInputLabels).allInnerTexts()).map((label) => label.trim());
  }

  /** Runs a command from the palette by its full title, e.g. 'Crosscheck: Check Pull Request'. */
  async runCommand(title: string, timeoutMs = 15_000): Promise<void> {
    await this.openCommandPalette();
    await this.page.locator(quickInputBox).fill(`>${title}`);
    const row = this.page
      .locator(quickInputLabels)
      .filter({ hasText: new RegExp(`^${escapeRegExp(title)}$`) });
    await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    await row.first().click();
    await this.page.waitForFunction(paletteClosed, undefined, { timeout: timeoutMs });
  }

  /** Types into the open quick input (input box or quick pick) and, unless told otherwise, presses Enter. */
  async typeIntoQuickInput(
    text: string,
    options: { submit?: boolean; timeoutMs?: number } = {},
  ): Promise<void> {
    const box = this.page.locator(quickInputBox);
    await box.waitFor({ state: 'visible', timeout: options.timeoutMs ?? 15_000 });
    await box.fill(text);
    if (options.submit ?? true) await box.press('Enter');
  }

  /** Waits for the status bar item whose element id carries `id` (e.g. 'crosscheck.status') and reads it. */
  async readStatusBarItem(id: string, timeoutMs = 15_000): Promise<StatusBarItemView> {
    const item = this.page.locator(`.statusbar-item[id*="${cssAttributeValue(id)}"]`).first();
    await item.waitFor({ state: 'attached', timeout: timeoutMs });
    return { text: (await item.innerText()).trim(), ariaLabel: await item.getAttribute('aria-label') };
  }

  /** Finds the (nested) webview frame whose document contains `selector`, waiting for it to appear. */
  async findWebviewFrame(selector: string, timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        const found = await frame.$(selector).catch(() => null);
        if (found) return frame;
      }
      await this.page.waitForTimeout(200);
    }
    throw new Error(`no webview frame contains ${selector} after ${timeoutMs} ms`);
  }

  /** Saves a screenshot as .artifacts/e2e/<scenario>.png and returns its path. */
  async screenshot(scenario: string): Promise<string> {
    const file = path.join(e2eArtifactsDir, `${scenario}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes whatever quick input is open. */
  async dismissQuickInput(): Promise<void> {
    if (await this.page.locator(quickInput).isVisible()) await this.page.keyboard.press('Escape');
  }

  private async openCommandPalette(): Promise<void> {
    await this.dismissQuickInput();
    await this.page.locator('.monaco-workbench').focus();
    await this.page.keyboard.press('F1');
    await this.page.locator(quickInputBox).waitFor({ state: 'visible', timeout: 10_000 });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssAttributeValue(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}
