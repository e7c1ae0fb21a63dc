// Control endpoints for out-of-process users (demo, VS Code e2e), loopback only, never recorded:
//   GET  /_sandbox/requests        → RecordedRequest[] (secrets redacted)
//   GET  /_sandbox/state           → statuses, pipeline runs (secured values redacted), Sonar tasks, central outcome
//   POST /_sandbox/faults          {method?, pathPattern: "regex source", flags?, faults: [429|500|502|503|504|"reset"|"hang"], retryAfter?}
//   POST /_sandbox/build-status    {repo: "acme/web-app", commit, key, state, name?, description?, url?, refname?} (as setBuildStatus)
//   POST /_sandbox/central-outcome {result: "SUCCESSFUL"|"FAILED"} → outcome of the next default central runs (canned status, or the quality gate of scanner uploads)
//   POST /_sandbox/commit          {repo, hash, branch?, parents?: string[], message?} (as addCommit)
//   POST /_sandbox/pull-request-source {repo, id: number, commit} (as setPullRequestSource)
//   POST /_sandbox/pull-request    {repo, source, destination, title?} → {id} (as openPullRequest: its pull-requests: pipeline starts)
import type { BuildStatusInput } from './bitbucket-statuses';
import type { CentralOutcome } from './central-run';
import { FAULTS, type Fault, type FaultRule } from './faults';
import { bodyObject, json, route, type Reply, type Route } from './http';
import type { RecordedRequest } from './server';

export interface ControlTarget {
  readonly requests: readonly RecordedRequest[];
  state(): unknown;
  injectFaults(rule: FaultRule): void;
  setBuildStatus(repo: string, commit: string, s: BuildStatusInput): void;
  setCentralOutcome(result: CentralOutcome): void;
  addCommit(repo: string, hash: string, o: { branch?: string; parents?: string[]; message?: string }): void;
  setPullRequestSource(repo: string, id: number, commit: string): void;
  openPullRequest(repo: string, o: { source: string; destination: string; title?: string }): number;
}

function badRequest(message: string): Reply {
  return json(400, { error: message });
}

export function controlRoutes(target: ControlTarget): Route[] {
  return [
    route('GET', '/_sandbox/requests', () => json(200, target.requests)),
    route('GET', '/_sandbox/state', () => json(200, target.state())),
    route('POST', '/_sandbox/faults', (ctx) => {
      const body = bodyObject(ctx);
      const faults = body?.faults;
      if (
        !body ||
        typeof body.pathPattern !== 'string' ||
        !Array.isArray(faults) ||
        faults.some((f) => !FAULTS.includes(f as Fault))
      ) {
        return badRequest(
          `Send {pathPattern: string, faults: [${FAULTS.join(', ')}], method?, flags?, retryAfter?}.`,
        );
      }
      let pathPattern: RegExp;
      try {
        pathPattern = new RegExp(body.pathPattern, typeof body.flags === 'string' ? body.flags : '');
      } catch (e) {
        return badRequest(`pathPattern is not a valid regular expression: ${(e as Error).message}`);
      }
      target.injectFaults({
        pathPattern,
        faults: faults as Fault[],
        method: typeof body.method === 'string' ? body.method : undefined,
        retryAfter: typeof body.retryAfter === 'string' ? body.retryAfter : undefined,
      });
      return json(200, { ok: true });
    }),
    route('POST', '/_sandbox/build-status', (ctx) => {
      const b = bodyObject(ctx);
      if (
        !b ||
        typeof b.repo !== 'string' ||
        typeof b.commit !== 'string' ||
        typeof b.key !== 'string' ||
        typeof b.state !== 'string'
      ) {
        return badRequest('Send {repo, commit, key, state, name?, description?, url?, refname?}.');
      }
      const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
      try {
        target.setBuildStatus(b.repo, b.commit, {
          key: b.key,
          state: b.state,
          name: text(b.name),
          description: text(b.description),
          url: text(b.url),
          refname: text(b.refname),
        });
      } catch (e) {
        return badRequest((e as Error).message);
      }
      return json(200, { ok: true });
    }),
    route('POST', '/_sandbox/central-outcome', (ctx) => {
      const result = bodyObject(ctx)?.result;
      if (result !== 'SUCCESSFUL' && result !== 'FAILED')
        return badRequest('Send {result: "SUCCESSFUL" | "FAILED"}.');
      target.setCentralOutcome(result);
      return json(200, { ok: true, result });
    }),
    route('POST', '/_sandbox/commit', (ctx) => {
      const b = bodyObject(ctx);
      const parents = b?.parents;
      if (
        !b ||
        typeof b.repo !== 'string' ||
        typeof b.hash !== 'string' ||
        (b.branch !== undefined && typeof b.branch !== 'string') ||
        (b.message !== undefined && typeof b.message !== 'string') ||
        (parents !== undefined && (!Array.isArray(parents) || parents.some((p) => typeof p !== 'string')))
      ) {
        return badRequest('Send {repo, hash, branch?, parents?: string[], message?}.');
      }
      try {
        target.addCommit(b.repo, b.hash, {
          branch: b.branch,
          parents: parents as string[] | undefined,
          message: b.message,
        });
      } catch (e) {
        return badRequest((e as Error).message);
      }
      return json(200, { ok: true });
    }),
    route('POST', '/_sandbox/pull-request', (ctx) => {
      const b = bodyObject(ctx);
      if (
        !b ||
        typeof b.repo !== 'string' ||
        typeof b.source !== 'string' ||
        typeof b.destination !== 'string' ||
        (b.title !== undefined && typeof b.title !== 'string')
      ) {
        return badRequest('Send {repo, source, destination, title?}.');
      }
      try {
        const id = target.openPullRequest(b.repo, {
          source: b.source,
          destination: b.destination,
          title: b.title,
        });
        return json(201, { id });
      } catch (e) {
        return badRequest((e as Error).message);
      }
    }),
    route('POST', '/_sandbox/pull-request-source', (ctx) => {
      const b = bodyObject(ctx);
      if (!b || typeof b.repo !== 'string' || !Number.isInteger(b.id) || typeof b.commit !== 'string') {
        return badRequest('Send {repo, id: number, commit}.');
      }
      try {
        target.setPullRequestSource(b.repo, b.id as number, b.commit);
      } catch (e) {
        return badRequest((e as Error).message);
      }
      return json(200, { ok: true });
    }),
  ];
}
