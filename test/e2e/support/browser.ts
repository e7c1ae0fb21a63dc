// Drives the VS Code web workbench in Debian's Chromium through playwright-core: palette, status bar, webviews.
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
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

const viewport = { width: 1440, height: 900 };

/**
 * A browser context for workbench windows. Pages of one context share the origin's storage, where the web workbench
 * keeps SecretStorage (encrypted in localStorage), so a second window of the same server sees what the first stored.
 */
export function newWorkbenchContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport });
}

/**
 * Opens the workbench at `url` in a new page and waits until it is drawn: in a context of its own when given the
 * browser, in `target` when given a context (see newWorkbenchContext).
 */
export async function openWorkbench(
  target: Browser | BrowserContext,
  url: string,
  options: OpenWorkbenchOptions = {},
): Promise<Workbench> {
  const page = 'newContext' in target ? await target.newPage({ viewport }) : await target.newPage();
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
  /**
   * The label as the extension wrote it: each codicon back in `$(name)` form (`$(name~spin)` when spinning), e.g.
   * `$(sync~spin) sonar`.
   */
  readonly label: string;
  readonly ariaLabel: string | null;
  /** The item's classes, e.g. `error-kind` for an error background. */
  readonly classes: readonly string[];
}

/** Reads a status bar item element into a StatusBarItemView, or null when absent. Runs in the page. */
const readStatusBarItemScript = (selector: string) => `(() => {
  const item = document.querySelector(${JSON.stringify(selector)});
  if (!item) return null;
  const label = item.querySelector('.statusbar-item-label') || item;
  const parts = [];
  for (const node of label.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); continue; }
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    if (!node.classList.contains('codicon')) { parts.push(node.textContent); continue; }
    const names = [...node.classList].filter((c) => c.startsWith('codicon-')).map((c) => c.slice(8));
    const icon = names.find((n) => !n.startsWith('modifier-'));
    const modifier = names.find((n) => n.startsWith('modifier-'));
    parts.push('$(' + icon + (modifier ? '~' + modifier.slice(9) : '') + ')');
  }
  return {
    text: item.innerText.trim(),
    label: parts.join('').replace(/\\s+/g, ' ').trim(),
    ariaLabel: item.getAttribute('aria-label'),
    classes: [...item.classList],
  };
})()`;

/** The selector of the status bar item whose element id carries `id` (VS Code prefixes the extension id). */
export function statusBarItemSelector(id: string): string {
  return `.statusbar-item[id*="${cssAttributeValue(id)}"]`;
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

  /** Waits until the open quick input (input box or quick pick) is titled `title`, i.e. the step a command asks. */
  async waitForQuickInputTitle(title: string, timeoutMs = 15_000): Promise<void> {
    await this.page
      .locator(`${quickInput}:not(.quick-input-widget-closing) .quick-input-title`)
      .filter({ hasText: new RegExp(`^${escapeRegExp(title)}$`) })
      .waitFor({ state: 'visible', timeout: timeoutMs });
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
    await this.page
      .locator(statusBarItemSelector(id))
      .first()
      .waitFor({ state: 'attached', timeout: timeoutMs });
    const view = await this.findStatusBarItem(id);
    if (!view) throw new Error(`status bar item ${id} disappeared`);
    return view;
  }

  /** Reads the status bar item whose element id carries `id` now; undefined when it is not shown. */
  async findStatusBarItem(id: string): Promise<StatusBarItemView | undefined> {
    const view = await this.page.evaluate<StatusBarItemView | null>(
      readStatusBarItemScript(statusBarItemSelector(id)),
    );
    return view ?? undefined;
  }

  /**
   * Waits until the status bar item whose element id carries `id` shows `label` (in `$(icon) text` form, see
   * StatusBarItemView.label), checking every 50 ms in the page; fails with what it showed last.
   */
  async waitForStatusBarLabel(id: string, label: string, timeoutMs = 15_000): Promise<StatusBarItemView> {
    const script = readStatusBarItemScript(statusBarItemSelector(id));
    try {
      await this.page.waitForFunction(`(${script} || {}).label === ${JSON.stringify(label)}`, undefined, {
        timeout: timeoutMs,
        polling: 50,
      });
    } catch (error) {
      const last = await this.findStatusBarItem(id).catch(() => undefined);
      throw new Error(
        `status bar item ${id} did not show '${label}' within ${timeoutMs} ms; it shows ${last ? `'${last.label}'` : 'nothing'}`,
        { cause: error },
      );
    }
    return (await this.findStatusBarItem(id)) as StatusBarItemView;
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
