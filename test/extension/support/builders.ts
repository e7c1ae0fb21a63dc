// Typed fixture builders: a complete, valid default for each shape, overridden field by field in each test.
import type { CommitStatus, PullRequest } from '../../../src/core/bitbucket/types';
import type { CheckSnapshot } from '../../../src/extension/model/check-state';
import type { PushedContext } from '../../../src/extension/model/repository';
import type { TrackedRun } from '../../../src/extension/model/runs';

export const NOW = Date.UTC(2026, 4, 4, 12, 0, 0);
export const HEAD = 'a'.repeat(40);

type Builder<T> = (overrides?: Partial<T>) => T;

function builder<T>(defaults: () => T): Builder<T> {
  return (overrides = {}) => ({ ...defaults(), ...overrides });
}

export const aContext = builder<PushedContext>(() => ({
  root: '/work/web-app',
  remote: 'origin',
  repo: { workspace: 'acme', slug: 'web-app' },
  branch: 'feature/login',
  commit: HEAD,
  upstream: 'origin/feature/login',
  ahead: 0,
}));

export const aStatus = builder<CommitStatus>(() => ({
  key: 'sonar',
  state: 'SUCCESSFUL',
  name: 'SonarQube',
  description: 'Quality gate passed',
  url: 'https://sonar.example/dashboard?id=web-app',
  created_on: new Date(NOW - 10 * 60_000).toISOString(),
  updated_on: new Date(NOW - 3 * 60_000).toISOString(),
}));

export const aPullRequest = builder<PullRequest>(() => ({
  id: 7,
  title: 'Add login form',
  state: 'OPEN',
  source: { branch: { name: 'feature/login' }, commit: { hash: HEAD.slice(0, 12) } },
  destination: { branch: { name: 'main' }, commit: { hash: 'b'.repeat(12) } },
  author: { display_name: 'Dana Developer' },
  links: { html: { href: 'https://bitbucket.org/acme/web-app/pull-requests/7' } },
}));

export const aRun = builder<TrackedRun>(() => ({
  repo: { workspace: 'acme', slug: 'web-app' },
  commit: HEAD,
  branch: 'feature/login',
  key: 'sonar',
  central: { workspace: 'acme', slug: 'central-checks' },
  pipeline: 'sonar-pr-check',
  uuid: '{11111111-2222-3333-4444-555555555555}',
  buildNumber: 12,
  runUrl: 'https://bitbucket.org/acme/central-checks/pipelines/results/12',
  startedAt: NOW - 60_000,
}));

export const aSnapshot = builder<CheckSnapshot>(() => {
  const check = aStatus();
  return { context: aContext(), checkKey: 'sonar', statuses: [check], check, loadedAt: NOW };
});
