// Bitbucket Code Insights: reports and annotations on a commit, with the documented limits (10 data fields, 100 annotations per request, 1000 per report).
import { SCOPES, withBitbucketAuth, type Credentials } from './auth';
import type { Repositories } from './bitbucket-repositories';
import {
  bitbucketError,
  bodyObject,
  fieldErrors,
  json,
  route,
  type Reply,
  type RequestContext,
  type Route,
  param,
} from './http';
import { bareUuid, bitbucketTime, randomBracedUuid } from './ids';
import { paginate } from './pagination';

export const REPORT_LIMITS = {
  dataFields: 10,
  annotationsPerRequest: 100,
  annotationsPerReport: 1000,
  details: 2000,
} as const;
const REPORT_TYPES = ['SECURITY', 'COVERAGE', 'TEST', 'BUG'];
const REPORT_RESULTS = ['PASSED', 'FAILED', 'PENDING'];
const DATA_TYPES = ['BOOLEAN', 'DATE', 'DURATION', 'LINK', 'NUMBER', 'PERCENTAGE', 'TEXT'];
const ANNOTATION_TYPES = ['VULNERABILITY', 'CODE_SMELL', 'BUG'];
const ANNOTATION_RESULTS = ['PASSED', 'FAILED', 'SKIPPED', 'IGNORED'];
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
const REPORT_FIELDS = [
  'title',
  'details',
  'report_type',
  'reporter',
  'link',
  'logo_url',
  'result',
  'data',
  'remote_link_enabled',
];
const ANNOTATION_FIELDS = [
  'annotation_type',
  'path',
  'line',
  'summary',
  'details',
  'result',
  'severity',
  'link',
];

interface Stamped {
  readonly uuid: string;
  readonly externalId: string;
  fields: Record<string, unknown>;
  readonly createdOn: string;
  updatedOn: string;
}
interface ReportRecord extends Stamped {
  readonly annotations: Map<string, Stamped>;
}

/** Reports per repository and commit. */
export class ReportStore {
  private readonly byCommit = new Map<string, ReportRecord[]>();

  constructor(private readonly now: () => number = Date.now) {}

  list(repo: string, hash: string): ReportRecord[] {
    return this.byCommit.get(`${repo}@${hash}`) ?? [];
  }

  /** A report by its external id or UUID. */
  find(repo: string, hash: string, id: string): ReportRecord | undefined {
    return this.list(repo, hash).find((r) => r.externalId === id || bareUuid(r.uuid) === bareUuid(id));
  }

  put(repo: string, hash: string, id: string, fields: Record<string, unknown>): ReportRecord {
    const existing = this.find(repo, hash, id);
    const at = bitbucketTime(this.now());
    if (existing) {
      existing.fields = fields;
      existing.updatedOn = at;
      return existing;
    }
    const record: ReportRecord = {
      uuid: randomBracedUuid(),
      externalId: id,
      fields,
      createdOn: at,
      updatedOn: at,
      annotations: new Map(),
    };
    const slot = `${repo}@${hash}`;
    this.byCommit.set(slot, [...this.list(repo, hash), record]);
    return record;
  }

  delete(repo: string, hash: string, id: string): boolean {
    const existing = this.find(repo, hash, id);
    if (!existing) return false;
    this.byCommit.set(
      `${repo}@${hash}`,
      this.list(repo, hash).filter((r) => r !== existing),
    );
    return true;
  }

  /** Creates or updates annotations by external id. */
  annotate(report: ReportRecord, items: Array<Record<string, unknown>>): Stamped[] {
    const at = bitbucketTime(this.now());
    return items.map((item) => {
      const externalId = item.external_id as string;
      const fields = pick(item, ANNOTATION_FIELDS);
      const existing = report.annotations.get(externalId);
      if (existing) {
        existing.fields = fields;
        existing.updatedOn = at;
        return existing;
      }
      const created: Stamped = { uuid: randomBracedUuid(), externalId, fields, createdOn: at, updatedOn: at };
      report.annotations.set(externalId, created);
      return created;
    });
  }
}

function pick(source: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((n) => source[n] !== undefined).map((n) => [n, source[n]]));
}

function reportJson(r: ReportRecord): Record<string, unknown> {
  return {
    type: 'report',
    uuid: r.uuid,
    external_id: r.externalId,
    ...r.fields,
    created_on: r.createdOn,
    updated_on: r.updatedOn,
  };
}

function annotationJson(a: Stamped): Record<string, unknown> {
  return {
    type: 'report_annotation',
    uuid: a.uuid,
    external_id: a.externalId,
    ...a.fields,
    created_on: a.createdOn,
    updated_on: a.updatedOn,
  };
}

function isAbsoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function checkEnum(
  fields: Record<string, string[]>,
  name: string,
  value: unknown,
  allowed: readonly string[],
  required: boolean,
): void {
  if (value === undefined || value === null) {
    if (required) fields[name] = ['This field is required.'];
  } else if (typeof value !== 'string' || !allowed.includes(value)) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the sandbox prints a sent value as Bitbucket does, whatever its type
    fields[name] = [`Select a valid choice. ${String(value)} is not one of ${allowed.join(', ')}.`];
  }
}

/** The report fields to store, or the 400 naming what is wrong. */
function validateReport(
  body: Record<string, unknown> | undefined,
): { fields: Record<string, unknown> } | { error: Reply } {
  if (!body)
    return {
      error: bitbucketError(400, 'Bad request', { detail: 'The body must be a JSON object (a report).' }),
    };
  const fields: Record<string, string[]> = {};
  if (typeof body.title !== 'string' || body.title.trim() === '') fields.title = ['This field is required.'];
  checkEnum(fields, 'report_type', body.report_type, REPORT_TYPES, true);
  checkEnum(fields, 'result', body.result, REPORT_RESULTS, false);
  if (
    body.details !== undefined &&
    (typeof body.details !== 'string' || body.details.length > REPORT_LIMITS.details)
  ) {
    fields.details = [`Ensure this value is a string of at most ${REPORT_LIMITS.details} characters.`];
  }
  for (const name of ['link', 'logo_url']) {
    if (body[name] !== undefined && !isAbsoluteUrl(body[name])) fields[name] = ['Enter a valid URL.'];
  }
  if (body.data !== undefined) {
    if (!Array.isArray(body.data)) fields.data = ['Expected a list of data fields.'];
    else if (body.data.length > REPORT_LIMITS.dataFields) {
      fields.data = [
        `A report can have at most ${REPORT_LIMITS.dataFields} data fields (it has ${body.data.length}).`,
      ];
    } else {
      body.data.forEach((d: unknown, i) => {
        const item = d as Record<string, unknown>;
        if (typeof item !== 'object' || item === null || typeof item.title !== 'string')
          fields[`data[${i}].title`] = ['This field is required.'];
        else checkEnum(fields, `data[${i}].type`, item.type, DATA_TYPES, false);
      });
    }
  }
  return Object.keys(fields).length > 0
    ? { error: fieldErrors(fields) }
    : { fields: pick(body, REPORT_FIELDS) };
}

function validateAnnotations(ctx: RequestContext): Array<Record<string, unknown>> | Reply {
  const body = ctx.body;
  const count = Array.isArray(body) ? body.length : 0;
  if (!Array.isArray(body) || count < 1 || count > REPORT_LIMITS.annotationsPerRequest) {
    return bitbucketError(400, 'Bad request', {
      detail: `Send a JSON array of 1 to ${REPORT_LIMITS.annotationsPerRequest} annotations per request (got ${Array.isArray(body) ? count : 'no array'}).`,
    });
  }
  const fields: Record<string, string[]> = {};
  const seen = new Set<string>();
  (body as unknown[]).forEach((raw, i) => {
    const a = raw as Record<string, unknown>;
    if (typeof a !== 'object' || a === null) {
      fields[`[${i}]`] = ['Expected an annotation object.'];
      return;
    }
    if (typeof a.external_id !== 'string' || a.external_id === '')
      fields[`[${i}].external_id`] = ['This field is required.'];
    else if (seen.has(a.external_id))
      fields[`[${i}].external_id`] = ['Duplicate external_id in this request.'];
    else seen.add(a.external_id);
    if (typeof a.summary !== 'string' || a.summary === '')
      fields[`[${i}].summary`] = ['This field is required.'];
    checkEnum(fields, `[${i}].annotation_type`, a.annotation_type, ANNOTATION_TYPES, true);
    checkEnum(fields, `[${i}].severity`, a.severity, SEVERITIES, false);
    checkEnum(fields, `[${i}].result`, a.result, ANNOTATION_RESULTS, false);
    if (a.line !== undefined && !(Number.isInteger(a.line) && (a.line as number) >= 1))
      fields[`[${i}].line`] = ['Ensure this value is an integer of at least 1.'];
    if (a.link !== undefined && !isAbsoluteUrl(a.link)) fields[`[${i}].link`] = ['Enter a valid URL.'];
  });
  return Object.keys(fields).length > 0 ? fieldErrors(fields) : (body as Array<Record<string, unknown>>);
}

export function reportRoutes(repos: Repositories, reports: ReportStore, credentials: Credentials): Route[] {
  const C = '/2.0/repositories/:workspace/:repo/commit/:commit/reports';
  const reportNotFound = (id: string): Reply => bitbucketError(404, `Report ${id} not found on this commit.`);
  const withCommit = (handler: (ctx: RequestContext, repo: string, hash: string) => Reply) =>
    withBitbucketAuth(credentials, SCOPES.readRepository, (ctx, principal) => {
      const found = repos.lookupRouteCommit(ctx, principal);
      return 'status' in found ? found : handler(ctx, found.repo.fullName, found.hash);
    });
  return [
    route(
      'GET',
      C,
      withCommit((ctx, repo, hash) => paginate(ctx, reports.list(repo, hash).map(reportJson))),
    ),
    route(
      'PUT',
      `${C}/:report`,
      withCommit((ctx, repo, hash) => {
        const checked = validateReport(bodyObject(ctx));
        if ('error' in checked) return checked.error;
        return json(200, reportJson(reports.put(repo, hash, param(ctx, 'report'), checked.fields)));
      }),
    ),
    route(
      'GET',
      `${C}/:report`,
      withCommit((ctx, repo, hash) => {
        const report = reports.find(repo, hash, param(ctx, 'report'));
        return report ? json(200, reportJson(report)) : reportNotFound(param(ctx, 'report'));
      }),
    ),
    route(
      'DELETE',
      `${C}/:report`,
      withCommit((ctx, repo, hash) =>
        reports.delete(repo, hash, param(ctx, 'report'))
          ? { status: 204 }
          : reportNotFound(param(ctx, 'report')),
      ),
    ),
    route(
      'POST',
      `${C}/:report/annotations`,
      withCommit((ctx, repo, hash) => {
        const report = reports.find(repo, hash, param(ctx, 'report'));
        if (!report) return reportNotFound(param(ctx, 'report'));
        const items = validateAnnotations(ctx);
        if (!Array.isArray(items)) return items;
        const added = items.filter((a) => !report.annotations.has(a.external_id as string)).length;
        const total = report.annotations.size + added;
        if (total > REPORT_LIMITS.annotationsPerReport) {
          return bitbucketError(400, 'Bad request', {
            detail: `A report can contain at most ${REPORT_LIMITS.annotationsPerReport} annotations; this request would make ${total}.`,
          });
        }
        return json(200, reports.annotate(report, items).map(annotationJson));
      }),
    ),
    route(
      'GET',
      `${C}/:report/annotations`,
      withCommit((ctx, repo, hash) => {
        const report = reports.find(repo, hash, param(ctx, 'report'));
        if (!report) return reportNotFound(param(ctx, 'report'));
        return paginate(ctx, [...report.annotations.values()].map(annotationJson));
      }),
    ),
  ];
}
