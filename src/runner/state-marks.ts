// The mark printed before a build state, so a line never says ✓ of a failed or stopped status.

const MARKS: Readonly<Record<string, string>> = {
  SUCCESSFUL: '✓',
  FAILED: '✗',
  INPROGRESS: '…',
  STOPPED: '■',
};

/** ✓ SUCCESSFUL, ✗ FAILED, … INPROGRESS, ■ STOPPED; `?` for a state Bitbucket may add later. */
export function stateMark(state: string): string {
  return MARKS[state] ?? '?';
}
