// Extension-host suite entry: VS Code loads it (extensionTestsPath) and awaits run(), which runs the *.test.js beside it.
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import Mocha from 'mocha';
import { reportFileVariable } from './reportFile';

/** Every compiled test file under `folder` (out/test/vscode when compiled), sorted for a stable order. */
export function findTestFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.js'))
    .map((file) => path.join(folder, file))
    .sort();
}

/** Runs the suite inside the extension host with the real `vscode` API; rejects when a test fails or none exist. */
export function run(): Promise<void> {
  const reportFile = process.env[reportFileVariable];
  if (reportFile) {
    Mocha.reporters.Base.consoleLog = (...data: unknown[]) =>
      fs.appendFileSync(reportFile, `${format(...data)}\n`);
  }
  const mocha = new Mocha({ ui: 'bdd', color: true, timeout: 20_000 });
  const files = findTestFiles(__dirname);
  if (files.length === 0) return Promise.reject(new Error(`no *.test.js files under ${__dirname}`));
  for (const file of files) mocha.addFile(file);
  return new Promise((resolve, reject) => {
    mocha.run((failures) =>
      failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve(),
    );
  });
}
