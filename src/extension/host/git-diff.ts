// Runs `git diff` from the analysed commit to the working tree (no VS Code API), for the findings' line mapping.
import { execFile } from 'node:child_process';
import { type FileChange, parseGitDiff } from '../model/findings-lines';

/** Larger diffs are not read (a working tree this far from the analysed commit places nothing well anyway). */
const MAX_DIFF_BYTES = 32 * 1024 * 1024;
/** A git that does not answer in this time is given up on; findings then wait for the next change. */
const GIT_TIMEOUT_MS = 15_000;

export type WorkingTreeDiff = { changes: FileChange[] } | { missingCommit: true } | { failed: string };

/**
 * The working tree's changes since `commit`, renames detected. Flags pin what user configuration could change
 * (external diff tools, prefixes, colour, textconv); a commit not in the local repository is reported as such.
 */
export async function diffWorkingTree(root: string, commit: string, git = 'git'): Promise<WorkingTreeDiff> {
  if (!/^[0-9a-f]{7,64}$/i.test(commit)) return { failed: `not a commit hash: ${commit}` };
  const present = await run(git, ['cat-file', '-e', `${commit}^{commit}`], root).catch(() => undefined);
  if (present === undefined) return { missingCommit: true };
  try {
    const text = await run(
      git,
      [
        '-c',
        'core.quotePath=true',
        'diff',
        '--no-color',
        '--no-ext-diff',
        '--no-textconv',
        '--ignore-submodules',
        '-U0',
        '-M',
        '--src-prefix=a/',
        '--dst-prefix=b/',
        commit,
        '--',
      ],
      root,
    );
    return { changes: parseGitDiff(text) };
  } catch (error) {
    return { failed: (error as Error).message.split('\n')[0] ?? 'git diff failed' };
  }
}

function run(git: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      git,
      args,
      {
        cwd,
        encoding: 'utf8',
        maxBuffer: MAX_DIFF_BYTES,
        timeout: GIT_TIMEOUT_MS,
        windowsHide: true,
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      },
      (error, stdout) => (error ? reject(new Error(error.message, { cause: error })) : resolve(stdout)),
    );
  });
}
