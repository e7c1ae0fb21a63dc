// The scopes each Bitbucket endpoint needs, in API-token form and in the legacy form access tokens and OAuth use.

export interface EndpointScopes {
  api: readonly string[];
  legacy: readonly string[];
}

export const SCOPES = {
  repository: { api: ['read:repository:bitbucket'], legacy: ['repository'] },
  pullRequest: { api: ['read:pullrequest:bitbucket'], legacy: ['pullrequest'] },
  pipelineRead: { api: ['read:pipeline:bitbucket'], legacy: ['pipeline'] },
  pipelineWrite: { api: ['read:pipeline:bitbucket', 'write:pipeline:bitbucket'], legacy: ['pipeline:write'] },
  user: { api: ['read:user:bitbucket'], legacy: ['account'] },
} as const satisfies Record<string, EndpointScopes>;
