// Bitbucket's OAuth 2.0 token endpoint (client credentials and refresh token grants) at /site/oauth2/access_token.
import { headerValue, parseAuthorization, type Credentials } from './auth';
import { bodyObject, json, route, type Reply, type Route } from './http';

function oauthError(error: string, description: string): Reply {
  return json(400, { error, error_description: description });
}

export function oauthRoutes(credentials: Credentials): Route[] {
  return [
    route('POST', '/site/oauth2/access_token', (ctx) => {
      const form = bodyObject(ctx) ?? {};
      const auth = parseAuthorization(headerValue(ctx.headers.authorization));
      const clientId = auth?.kind === 'basic' ? auth.user : form.client_id;
      const clientSecret = auth?.kind === 'basic' ? auth.password : form.client_secret;
      const grantType = form.grant_type;
      if (typeof grantType !== 'string') return oauthError('invalid_request', 'Missing grant_type parameter');
      if (grantType !== 'client_credentials' && grantType !== 'refresh_token') {
        return oauthError('unsupported_grant_type', `Unsupported grant type: ${grantType}`);
      }
      if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
        return oauthError('invalid_client', 'Invalid OAuth client credentials');
      }
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the sandbox prints a sent value as Bitbucket does, whatever its type
      const refresh = grantType === 'refresh_token' ? String(form.refresh_token ?? '') : undefined;
      const grant = credentials.grantOAuth(clientId, clientSecret, refresh);
      if (grant === 'invalid_client') return oauthError('invalid_client', 'Invalid OAuth client credentials');
      if (grant === 'invalid_grant') return oauthError('invalid_grant', 'Invalid refresh_token');
      return json(200, grant);
    }),
  ];
}
