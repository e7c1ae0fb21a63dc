// Status bar view details beyond the states (covered against the sandbox in refresher.test.ts): tooltip, time, link.
import * as assert from 'node:assert/strict';
import { statusBarView } from '../../src/extension/view/status-bar-view';
import { absoluteTime, relativeTime } from '../../src/extension/view/relative-time';
import { aContext, aSnapshot, aStatus, NOW } from './support/builders';

describe('statusBarView', () => {
  it('puts name, state, description, time, place and link in the tooltip', () => {
    const check = aStatus();
    const view = statusBarView(
      {
        kind: 'loaded',
        snapshot: aSnapshot({ statuses: [check, aStatus({ key: 'build', state: 'FAILED' })], check }),
      },
      NOW,
    );
    assert.equal(view.text, '$(check) sonar');
    assert.equal(view.command, 'crosscheck.openPanel');
    assert.deepEqual(view.tooltip, {
      title: 'SonarQube: SUCCESSFUL',
      lines: [
        'Quality gate passed',
        'successful, 3 min ago (2026-05-04 11:57 UTC)',
        'acme/web-app · feature/login · aaaaaaa',
        'Other statuses on HEAD: 1 failed.',
      ],
      link: { label: 'Open the check', url: 'https://sonar.example/dashboard?id=web-app' },
    });
  });

  it('offers no link for a status URL that is not http(s)', () => {
    const check = aStatus({ url: 'javascript:alert(1)' });
    assert.equal(
      statusBarView({ kind: 'loaded', snapshot: aSnapshot({ statuses: [check], check }) }, NOW).tooltip.link,
      undefined,
    );
  });

  it('uses the configured key and a neutral icon when HEAD has no such status', () => {
    const view = statusBarView(
      {
        kind: 'loaded',
        snapshot: aSnapshot({ checkKey: 'quality', statuses: [aStatus()], check: undefined }),
      },
      NOW,
    );
    assert.equal(view.text, '$(circle-large-outline) quality');
    assert.equal(view.tooltip.lines[0], 'No quality status on aaaaaaa yet.');
  });

  it('shows loading with the key, and a detached HEAD by name', () => {
    const view = statusBarView(
      { kind: 'loading', context: aContext({ branch: undefined as unknown as string }), checkKey: 'sonar' },
      NOW,
    );
    assert.equal(view.text, '$(circle-large-outline) sonar');
    assert.deepEqual(view.tooltip.lines, ['acme/web-app · detached HEAD · aaaaaaa']);
  });
});

describe('relativeTime', () => {
  it('reads recent times relatively and old ones as dates', () => {
    const ago = (ms: number) => relativeTime(new Date(NOW - ms).toISOString(), NOW);
    assert.deepEqual(
      [
        ago(10_000),
        ago(-60_000),
        ago(90_000),
        ago(59 * 60_000),
        ago(3 * 3_600_000),
        ago(30 * 3_600_000),
        ago(5 * 86_400_000),
        ago(40 * 86_400_000),
      ],
      ['just now', 'just now', '2 min ago', '59 min ago', '3 h ago', 'yesterday', '5 days ago', '2026-03-25'],
    );
    assert.equal(relativeTime('not a date', NOW), undefined);
    assert.equal(relativeTime(undefined, NOW), undefined);
    assert.equal(absoluteTime('2026-05-04T09:00:00.123+00:00'), '2026-05-04 09:00 UTC');
  });
});
