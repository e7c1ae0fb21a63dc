// The deterministic starting state: workspace acme, its repositories, commits, branches and pull requests, and the demo credentials.
import type { Credentials } from './auth';
import { CENTRAL_PIPELINE_YML, CENTRAL_SONAR_SETTINGS } from './central-example';
import { commitObject, flatTree, gitObject, type GitObject } from './git-objects';
import { bitbucketTime, seededUuid, sha1Hex } from './ids';
import type { CommitRecord, PullRequestRecord, PullRequestState, RepositoryRecord } from './model';

const WORKSPACE = 'acme';
const DEV = { email: 'dev@acme.example', displayName: 'Dana Developer', nickname: 'dana' } as const;
const REVIEWER = { email: 'sam@acme.example', displayName: 'Sam Reviewer', nickname: 'sam' } as const;
const EPOCH = Date.UTC(2026, 4, 4, 9, 0, 0);

interface RepositorySpec {
  readonly slug: string;
  readonly description: string;
  readonly language: string;
  readonly project: { readonly key: string; readonly name: string };
  readonly main: readonly string[];
  /** Branch name → commit messages on top of main's head. */
  readonly branches: Readonly<Record<string, readonly string[]>>;
  /** [id, title, source branch, state] — every source branch is in `branches`. */
  readonly pullRequests: ReadonlyArray<readonly [number, string, string, PullRequestState]>;
  readonly customPipelines?: readonly string[];
  /** Files every commit of the repository holds besides README.md and HISTORY.md. */
  readonly files?: () => Readonly<Record<string, string>>;
}

const WEB_APP_PULL_REQUESTS: RepositorySpec['pullRequests'] = [
  [1, 'Initial scaffold', 'feature/scaffold', 'MERGED'],
  [2, 'Add CI config', 'chore/ci', 'MERGED'],
  [3, 'Try another router', 'spike/router', 'DECLINED'],
  [4, 'Update dependencies', 'chore/deps', 'OPEN'],
  [5, 'Fix typo in README', 'fix/readme-typo', 'MERGED'],
  [6, 'Add dark mode', 'feature/dark-mode', 'OPEN'],
  [7, 'Add login form', 'feature/login', 'OPEN'],
  [8, 'Refactor API client', 'refactor/api-client', 'OPEN'],
  [9, 'Experimental caching', 'spike/cache', 'DECLINED'],
  [10, 'Add signup page', 'feature/signup', 'OPEN'],
  [11, 'Improve error pages', 'feature/error-pages', 'OPEN'],
  [12, 'Add password reset', 'feature/password-reset', 'OPEN'],
  [13, 'Add profile page', 'feature/profile', 'OPEN'],
  [14, 'Bump Node to 20', 'chore/node-20', 'OPEN'],
  [15, 'Add end-to-end tests', 'test/e2e', 'OPEN'],
  [16, 'Localize login form', 'feature/i18n-login', 'OPEN'],
];

const SPECS: readonly RepositorySpec[] = [
  {
    slug: 'web-app',
    description: 'Customer-facing web application',
    language: 'typescript',
    project: { key: 'WEB', name: 'Web' },
    main: ['Initial commit', 'Add app shell', 'Configure build'],
    branches: {
      'feature/login': ['Add login form', 'Validate login form input'],
      'feature/empty': ['Start an empty feature'],
      ...Object.fromEntries(
        WEB_APP_PULL_REQUESTS.filter(([, , branch]) => branch !== 'feature/login').map(
          ([, title, branch]) => [branch, [title]],
        ),
      ),
    },
    pullRequests: WEB_APP_PULL_REQUESTS,
  },
  {
    slug: 'api-service',
    description: 'Backend API',
    language: 'typescript',
    project: { key: 'API', name: 'API' },
    main: ['Initial commit', 'Add health endpoint', 'Add OpenAPI spec'],
    branches: {
      'chore/health': ['Add health endpoint'],
      'docs/openapi': ['Add OpenAPI spec'],
      'feature/rate-limit': ['Add rate limiting'],
    },
    pullRequests: [
      [1, 'Add health endpoint', 'chore/health', 'MERGED'],
      [2, 'Add OpenAPI spec', 'docs/openapi', 'MERGED'],
      [3, 'Add rate limiting', 'feature/rate-limit', 'OPEN'],
    ],
  },
  {
    slug: 'central-checks',
    description: 'Central pipeline running the checks for every repository of the workspace',
    language: 'shell',
    project: { key: 'CI', name: 'CI' },
    main: ['Initial commit', 'Add sonar-pr-check and lint custom pipelines'],
    branches: {},
    pullRequests: [],
    customPipelines: ['sonar-pr-check', 'lint'],
    files: () => ({
      'bitbucket-pipelines.yml': CENTRAL_PIPELINE_YML,
      'sonar-central.properties': CENTRAL_SONAR_SETTINGS,
    }),
  },
];

/** Git objects of each seeded repository (full name → objects), filled by seedRepositories. */
const SEEDED_OBJECTS = new Map<string, GitObject[]>();

/** The git objects behind a seeded repository's commits (empty for a repository the seed did not make). */
export function seededGitObjects(fullName: string): readonly GitObject[] {
  return SEEDED_OBJECTS.get(fullName) ?? [];
}

/** Fresh, mutable records of the seeded repositories (one set per sandbox). */
export function seedRepositories(): RepositoryRecord[] {
  let clock = EPOCH;
  const tick = (): string => bitbucketTime((clock += 3_600_000));
  return SPECS.map((spec) => {
    const fullName = `${WORKSPACE}/${spec.slug}`;
    const commits = new Map<string, CommitRecord>();
    const branches = new Map<string, string>();
    const objects = new Map<string, GitObject>();
    const keep = (object: GitObject): GitObject => (objects.set(object.hash, object), object);
    const blob = (text: string): GitObject => keep(gitObject('blob', Buffer.from(text, 'utf8')));
    const extra = spec.files?.() ?? {};
    // Each commit is a real git commit (README.md, HISTORY.md with the messages so far, the repository's files), so
    // its hash is the one git computes and the sandbox's git host can serve it.
    const chain = (
      branch: string,
      parent: string | undefined,
      messages: readonly string[],
      history: readonly string[],
    ): string | undefined => {
      let head = parent;
      const lines = [...history];
      messages.forEach((message, i) => {
        clock += 3_600_000;
        const date = bitbucketTime(clock);
        const author = branch === 'main' || i % 2 === 0 ? DEV : REVIEWER;
        lines.push(`- ${message}`);
        const tree = keep(
          flatTree({
            'README.md': blob(`# ${spec.slug}\n\n${spec.description}.\n`),
            'HISTORY.md': blob(`${lines.join('\n')}\n`),
            ...Object.fromEntries(Object.entries(extra).map(([name, text]) => [name, blob(text)])),
          }),
        );
        const commit = keep(
          commitObject({
            tree: tree.hash,
            parents: head ? [head] : [],
            name: author.displayName,
            email: author.email,
            seconds: clock / 1000,
            message,
          }),
        );
        commits.set(commit.hash, {
          hash: commit.hash,
          message,
          date,
          parents: head ? [head] : [],
          authorEmail: author.email,
        });
        head = commit.hash;
      });
      if (head) branches.set(branch, head);
      return head;
    };
    const mainHead = chain('main', undefined, spec.main, []);
    const mainHistory = spec.main.map((message) => `- ${message}`);
    for (const [branch, messages] of Object.entries(spec.branches))
      chain(branch, mainHead, messages, mainHistory);
    SEEDED_OBJECTS.set(fullName, [...objects.values()]);
    const pullRequests: PullRequestRecord[] = spec.pullRequests.map(([id, title, source, state]) => {
      const createdOn = tick();
      return {
        id,
        title,
        description: `${title}.`,
        state,
        source,
        destination: 'main',
        authorEmail: id % 3 === 0 ? REVIEWER.email : DEV.email,
        createdOn,
        updatedOn: state === 'OPEN' ? createdOn : tick(),
      };
    });
    return {
      workspace: WORKSPACE,
      slug: spec.slug,
      fullName,
      uuid: seededUuid(`repository:${fullName}`),
      description: spec.description,
      language: spec.language,
      project: spec.project,
      mainBranch: 'main',
      createdOn: bitbucketTime(EPOCH),
      branches,
      commits,
      pullRequests,
      customPipelines: spec.customPipelines,
    };
  });
}

function heads(slug: string): Readonly<Record<string, string>> {
  const repo = SEEDED.find((r) => r.slug === slug);
  return Object.fromEntries(repo ? repo.branches : []);
}
/** The head commit of a seeded branch; the seed names only branches it creates, so a miss is a bug in the seed. */
function head(slug: string, branch: string): string {
  const commit = heads(slug)[branch];
  if (commit === undefined) throw new Error(`The sandbox seed has no branch ${branch} in ${slug}.`);
  return commit;
}

/** Every branch of a repository with its head, typed by the names tests may use (each checked to exist). */
function namedHeads<const B extends string>(
  slug: string,
  names: readonly B[],
): Readonly<Record<string, string> & Record<B, string>> {
  for (const name of names) head(slug, name);
  return heads(slug);
}
const SEEDED = seedRepositories();

/**
 * Names and hashes of the seeded state, so tests need no magic strings.
 * `branches` maps every branch of a repository to its head commit (full 40-hex hash).
 */
export const seed = {
  workspace: WORKSPACE,
  users: { dev: DEV, reviewer: REVIEWER },
  webApp: {
    fullName: `${WORKSPACE}/web-app`,
    slug: 'web-app',
    mainBranch: 'main',
    branches: namedHeads('web-app', [
      'main',
      'feature/login',
      'feature/empty',
      'feature/dark-mode',
      'feature/error-pages',
      'feature/profile',
      'feature/signup',
    ]),
    /** The open pull request #7, feature/login → main. */
    pullRequest: {
      id: 7,
      title: 'Add login form',
      source: 'feature/login',
      destination: 'main',
      sourceCommit: head('web-app', 'feature/login'),
    },
    openPullRequestCount: WEB_APP_PULL_REQUESTS.filter(([, , , state]) => state === 'OPEN').length,
    pullRequestCount: WEB_APP_PULL_REQUESTS.length,
  },
  apiService: {
    fullName: `${WORKSPACE}/api-service`,
    slug: 'api-service',
    mainBranch: 'main',
    branches: namedHeads('api-service', ['main', 'feature/rate-limit']),
    pullRequest: {
      id: 3,
      title: 'Add rate limiting',
      source: 'feature/rate-limit',
      destination: 'main',
      sourceCommit: head('api-service', 'feature/rate-limit'),
    },
  },
  centralChecks: {
    fullName: `${WORKSPACE}/central-checks`,
    slug: 'central-checks',
    mainBranch: 'main',
    branches: namedHeads('central-checks', ['main']),
    customPipelines: ['sonar-pr-check', 'lint'] as readonly string[],
  },
} as const;

/** The seeded credentials: obviously demo values shaped like real ones. */
export interface DemoCredentials {
  /** Atlassian account email of the demo user (a repository admin). */
  readonly email: string;
  /** API token (ATATT…) of `email` with every scope Crosscheck needs; use as HTTP Basic email:token. */
  readonly apiToken: string;
  /** Granular scopes of `apiToken`. */
  readonly apiTokenScopes: readonly string[];
  /** Repository access token (ATCTT…) for acme/web-app; use as Bearer. Scopes: repository, pullrequest, pipeline. */
  readonly repoAccessToken: string;
  /** Repository access token for acme/central-checks with pipeline:write (to trigger the central pipeline). */
  readonly centralAccessToken: string;
  /** Workspace access token for acme: repository, pullrequest, pipeline, pipeline:write. */
  readonly workspaceAccessToken: string;
  /** OAuth consumer (client credentials grant) owned by the demo user: repository, pullrequest, pipeline, pipeline:write, account. */
  readonly oauth: { readonly clientId: string; readonly clientSecret: string };
  /** An app password (ATBB…): always refused, app passwords were removed on 2026-07-28. */
  readonly appPassword: string;
  /** SonarQube user token (squ_…), accepted as Bearer or as Basic username with an empty password. */
  readonly sonarToken: string;
}

export const DEMO_API_TOKEN_SCOPES = [
  'read:repository:bitbucket',
  'write:repository:bitbucket',
  'read:pullrequest:bitbucket',
  'read:pipeline:bitbucket',
  'write:pipeline:bitbucket',
  'read:user:bitbucket',
] as const;

/** Registers the seeded accounts and credentials and returns the demo credentials. */
export function seedCredentials(credentials: Credentials): DemoCredentials {
  for (const user of [DEV, REVIEWER]) {
    credentials.addAccount({
      ...user,
      uuid: seededUuid(`account:${user.email}`),
      accountId: `557058:${seededUuid(`account-id:${user.email}`).slice(1, -1)}`,
      admin: user === DEV,
    });
  }
  const sonarToken = `squ_${sha1Hex('sandbox demo sonar token')}`;
  credentials.addSonarToken(sonarToken);
  return {
    email: DEV.email,
    apiToken: credentials.addApiToken({ email: DEV.email, scopes: DEMO_API_TOKEN_SCOPES }, 'demo api token'),
    apiTokenScopes: DEMO_API_TOKEN_SCOPES,
    repoAccessToken: credentials.addAccessToken(
      { workspace: WORKSPACE, repo: 'web-app', scopes: ['repository', 'pullrequest', 'pipeline'] },
      'demo repository access token',
    ),
    centralAccessToken: credentials.addAccessToken(
      { workspace: WORKSPACE, repo: 'central-checks', scopes: ['repository', 'pipeline', 'pipeline:write'] },
      'demo central access token',
    ),
    workspaceAccessToken: credentials.addAccessToken(
      { workspace: WORKSPACE, scopes: ['repository', 'pullrequest', 'pipeline', 'pipeline:write'] },
      'demo workspace access token',
    ),
    oauth: credentials.addOAuthConsumer(
      {
        scopes: ['repository', 'pullrequest', 'pipeline', 'pipeline:write', 'account'],
        ownerEmail: DEV.email,
      },
      'demo oauth consumer',
    ),
    appPassword: `ATBB${sha1Hex('sandbox demo app password').slice(0, 28).toUpperCase()}`,
    sonarToken,
  };
}
