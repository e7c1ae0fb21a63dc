// Turns SonarQube error answers (401/403/404/5xx) into a diagnosis in words with the likely fix.
import { type Diagnosis, type FailedResponse, retryWords } from '../http/client';

interface SonarErrorBody {
  errors?: Array<{ msg?: string }>;
}

export const SONAR_TOKEN_HELP =
  'Create a user token in SonarQube (My Account → Security → Generate Tokens; type "User" or "Project analysis") ' +
  'for an account with Browse permission on the project, and set it as the secured variable SONAR_TOKEN.';

export function diagnoseSonar(failure: FailedResponse): Diagnosis {
  const { status, spec } = failure;
  const body = (typeof failure.body === 'object' ? failure.body : undefined) as SonarErrorBody | undefined;
  const said =
    body?.errors
      ?.map((error) => error.msg)
      .filter(Boolean)
      .join(' ') || (typeof failure.body === 'string' ? failure.body.trim().slice(0, 200) : undefined);
  const quoted = said ? ` SonarQube said: "${said}".` : '';
  const what = spec.resource ?? failure.request.url;

  if (status === 401) {
    return {
      message: `SonarQube did not accept SONAR_TOKEN (reading ${what})`,
      diagnosis: `401 Unauthorized.${quoted} The token is missing, mistyped, expired or revoked.`,
      hint: SONAR_TOKEN_HELP,
    };
  }
  if (status === 403) {
    return {
      message: `SonarQube refused ${what}: the token's account lacks permission`,
      diagnosis: `403 Forbidden.${quoted}`,
      hint: 'Give the account behind SONAR_TOKEN the Browse permission on the project (Project Settings → Permissions).',
    };
  }
  if (status === 404) {
    return {
      message: `SonarQube has no ${what}`,
      diagnosis: `404 Not Found.${quoted}`,
      hint:
        'Check that SONAR_HOST_URL is the server the scanner sent the analysis to, and that report-task.txt is ' +
        "the one this run's scanner wrote (not a stale copy from an earlier run or another server).",
    };
  }
  if (status === 429) {
    return {
      message: `SonarQube's rate limit was hit reading ${what}`,
      diagnosis: `429 Too Many Requests.${quoted}`,
      hint: 'Wait a little and run again.',
    };
  }
  if (status >= 500) {
    return {
      message: `SonarQube failed to answer for ${what} (${status})`,
      diagnosis: `${status} from SonarQube.${quoted}`,
      hint: [
        "This is on the SonarQube server's side.",
        retryWords(failure),
        "Check the server's health and run again later.",
      ]
        .filter(Boolean)
        .join(' '),
    };
  }
  return { message: `SonarQube answered ${status} for ${what}`, diagnosis: `${status}.${quoted}` };
}
