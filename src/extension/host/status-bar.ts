// The status bar item: renders the view the check state maps to, and nothing else.
import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import type { CheckState } from '../model/check-state';
import { STATUS_BAR_ID } from '../model/command-ids';
import type { OtherRepository, StatusBarView, TooltipView } from '../view/status-bar-view';
import { accessibleLabel, statusBarView } from '../view/status-bar-view';

export class StatusBar extends Disposable {
  private readonly item = this._register(
    vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 50),
  );
  private shown?: StatusBarView;
  /** Whether show() (rather than hide()) was the last call on the item. */
  private visible = false;

  constructor(private readonly now: () => number = Date.now) {
    super();
    this.item.name = 'Crosscheck';
  }

  /** What the item itself holds now, for the extension's test API: its text and the last show/hide call. */
  get view(): StatusBarView | undefined {
    return this.shown && { ...this.shown, text: this.item.text, visible: this.visible };
  }

  render(state: CheckState, others: readonly OtherRepository[] = []): void {
    const view = statusBarView(state, this.now(), others);
    this.shown = view;
    this.item.text = view.text;
    this.item.tooltip = tooltip(view.tooltip);
    this.item.command = view.command;
    this.item.backgroundColor = view.background
      ? new vscode.ThemeColor(`statusBarItem.${view.background}Background`)
      : undefined;
    this.item.accessibilityInformation = { label: accessibleLabel(view.tooltip) };
    if (view.visible) {
      this.item.show();
      this.visible = true;
    } else {
      this.item.hide();
      this.visible = false;
    }
  }
}

/** Plain text goes through appendText (escaped); only the link is markdown, and only for http(s) URLs. */
function tooltip(view: TooltipView): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString();
  markdown.appendMarkdown('**');
  markdown.appendText(view.title);
  markdown.appendMarkdown('**');
  for (const line of view.lines) {
    markdown.appendMarkdown('\n\n');
    markdown.appendText(line);
  }
  if (view.link) {
    const href = new URL(view.link.url).href.replace(/\(/g, '%28').replace(/\)/g, '%29');
    markdown.appendMarkdown(`\n\n[${view.link.label}](${href})`);
  }
  return markdown;
}

/** The tooltip as plain text (what the test API reports). */
export function tooltipText(view: TooltipView): string {
  return [view.title, ...view.lines, ...(view.link ? [view.link.url] : [])].join('\n');
}
