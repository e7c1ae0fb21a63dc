// `uses: actions/checkout`: in a Bitbucket step the clone is already there; accepted when it is that commit, else refused.
import { execFile } from 'node:child_process';

export interface CheckoutVerdict {
  /** Set when the step cannot be honoured here: what is wrong and what to do. */
  error?: string;
  notices: string[];
}

/** `actions/checkout@…` (any ref), the only action handled without running it. */
export function isCheckout(uses: string): boolean {
  return /^actions\/checkout@/i.test(uses.trim());
}

function git(workspace: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd: workspace, timeout: 30_000, maxBuffer: 64 * 1024 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim()),
    );
  });
}

/** The checks that need no git: inputs that ask for another repository or place. */
export function checkoutInputProblem(
  inputs: Record<string, string>,
  repository: string | undefined,
): string | undefined {
  const wanted = inputs.repository?.trim();
  if (wanted && (!repository || wanted.toLowerCase() !== repository.toLowerCase())) {
    return `actions/checkout: repository '${wanted}' is not the repository this clone is${repository ? ` (${repository})` : ''}. Crosscheck does not fetch other repositories: clone it in a run: step (git clone --depth 1 <url> <folder>) with a credential from a secured variable.`;
  }
  const path = inputs.path?.trim();
  if (path && path !== '.' && path !== './') {
    return `actions/checkout: path '${path}' would put the clone in another folder; the step's clone is the workspace itself. Drop path: (and the paths that use it), or copy the files in a run: step.`;
  }
  return undefined;
}

/**
 * Whether the workspace already is what the step asks for: this repository at `sha` (in a pull-request clone, the
 * merge of `sha` with its destination, as GitHub checks out refs/pull/N/merge), at the ref asked for if any.
 */
export async function judgeCheckout(
  inputs: Record<string, string>,
  workspace: string,
  github: { repository?: string; sha?: string; pullRequest: boolean },
): Promise<CheckoutVerdict> {
  const notices: string[] = [];
  const inputProblem = checkoutInputProblem(inputs, github.repository);
  if (inputProblem) return { error: inputProblem, notices };
  const head = await git(workspace, ['rev-parse', 'HEAD']);
  if (!head) {
    return {
      error: `actions/checkout: ${workspace} is not a git clone. Run the workflow in the step's clone ($BITBUCKET_CLONE_DIR).`,
      notices,
    };
  }
  const parent = github.pullRequest ? await git(workspace, ['rev-parse', 'HEAD^1']) : undefined;
  const sha = github.sha?.toLowerCase();
  if (sha && head !== sha && parent !== sha) {
    return {
      error: `actions/checkout: the clone is at ${head.slice(0, 12)}, not ${sha.slice(0, 12)} (GITHUB_SHA / BITBUCKET_COMMIT). Run the workflow in the clone Bitbucket made for this commit.`,
      notices,
    };
  }
  const ref = inputs.ref?.trim();
  if (ref) {
    const resolved = await git(workspace, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (resolved !== head && resolved !== sha) {
      return {
        error: `actions/checkout: ref '${ref}' is not the commit this clone holds (${head.slice(0, 12)}). Bitbucket checks out the commit the pipeline runs for: drop ref:, or fetch it in a run: step (git fetch origin ${ref} && git checkout FETCH_HEAD).`,
        notices,
      };
    }
  }
  const depth = inputs['fetch-depth']?.trim();
  if (depth === '0' && (await git(workspace, ['rev-parse', '--is-shallow-repository'])) === 'true') {
    notices.push(
      "actions/checkout: fetch-depth: 0 asks for the whole history, but this clone is shallow (Bitbucket clones 50 commits). Set 'clone: depth: full' on the step (crosscheck workflow pipelines does), or run git fetch --unshallow.",
    );
  }
  const merged = sha !== undefined && parent === sha && head !== sha ? ` merged with its destination` : '';
  notices.unshift(
    `actions/checkout: the clone already is ${github.repository ?? 'the repository'} at ${(sha ?? head).slice(0, 12)}${merged}; nothing to fetch.`,
  );
  return { notices };
}
