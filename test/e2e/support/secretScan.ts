// Looks for a secret, in the forms it could leak in, through files on disk and every frame of a workbench page.
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';

/** A secret and the encodings it could be written in: as is, inside an HTTP Basic header, URL-encoded. */
export function secretForms(secret: string, basicUser?: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
  if (basicUser !== undefined) forms.add(Buffer.from(`${basicUser}:${secret}`).toString('base64'));
  return [...forms];
}

/** Where a form of the secret was found. */
export interface Finding {
  readonly where: string;
  /** Index into the forms searched for. */
  readonly form: number;
}

export interface FileScan {
  readonly scanned: readonly string[];
  readonly findings: readonly Finding[];
}

/** Reads every regular file under each folder (or each file given) and reports the ones holding a form of the secret. */
export function scanFiles(roots: readonly string[], forms: readonly string[]): FileScan {
  const scanned: string[] = [];
  const findings: Finding[] = [];
  const visit = (file: string): void => {
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
      return;
    }
    if (!stat.isFile()) return;
    scanned.push(file);
    const content = fs.readFileSync(file);
    forms.forEach((form, index) => {
      // UTF-8 and UTF-16 (how some stores keep strings).
      if (content.includes(form) || content.includes(Buffer.from(form, 'utf16le')))
        findings.push({ where: file, form: index });
    });
  };
  for (const root of roots) visit(root);
  return { scanned, findings };
}

/** One input or textarea whose current value holds a form of the secret. */
export interface InputFinding extends Finding {
  readonly type: string;
  /** Whether the element is inside VS Code's quick input widget, and whether that widget is shown. */
  readonly inQuickInput: boolean;
  readonly shown: boolean;
}

export interface PageScan {
  /** Frames whose serialized document or visible text holds a form of the secret. */
  readonly documents: readonly Finding[];
  /** Inputs whose live value (not serialized into the document) holds a form of the secret. */
  readonly inputs: readonly InputFinding[];
  readonly frames: number;
}

/** Searches the serialized document, the visible text and the input values of every frame of the page. */
export async function scanPage(page: Page, forms: readonly string[]): Promise<PageScan> {
  const documents: Finding[] = [];
  const inputs: InputFinding[] = [];
  const frames = page.frames();
  for (const [index, frame] of frames.entries()) {
    const where = `frame ${index} (${frame.url().slice(0, 120)})`;
    const html = await frame.content().catch(() => '');
    const text = (await frame
      .evaluate('document.body ? document.body.innerText : ""')
      .catch(() => '')) as string;
    forms.forEach((form, formIndex) => {
      if (html.includes(form) || text.includes(form)) documents.push({ where, form: formIndex });
    });
    const values = (await frame
      .evaluate(
        `[...document.querySelectorAll('input, textarea')].map((element) => {
          const widget = element.closest('.quick-input-widget');
          return {
            value: element.value,
            type: element.type || element.tagName.toLowerCase(),
            inQuickInput: !!widget,
            shown: !!element.checkVisibility() && !!(widget ? widget.checkVisibility() : true),
          };
        })`,
      )
      .catch(() => [])) as { value: string; type: string; inQuickInput: boolean; shown: boolean }[];
    for (const input of values) {
      forms.forEach((form, formIndex) => {
        if (input.value.includes(form))
          inputs.push({
            where,
            form: formIndex,
            type: input.type,
            inQuickInput: input.inQuickInput,
            shown: input.shown,
          });
      });
    }
  }
  return { documents, inputs, frames: frames.length };
}
