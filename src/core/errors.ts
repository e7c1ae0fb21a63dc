// Typed errors shared by every adapter: each pairs a message for people with what to do about it.

/** Base of every error Crosscheck raises on purpose; `hint` says what to do, in words. */
export class CrosscheckError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or input, found before anything was sent (the CLI exits 2). */
export class InputError extends CrosscheckError {}

/** A credential that cannot work, found before anything was sent (the CLI exits 2). */
export class CredentialError extends InputError {}

/** A request that was redacted before it was kept on an error. */
export interface RedactedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** The server refused or failed a request, after retries; `diagnosis` says why and how to fix it. */
export class ApiError extends CrosscheckError {
  constructor(
    message: string,
    readonly status: number,
    readonly request: RedactedRequest,
    readonly diagnosis: string,
    readonly body?: unknown,
    hint?: string,
    options?: { cause?: unknown; retryAfter?: string },
  ) {
    super(message, hint, options);
    this.retryAfter = options?.retryAfter;
  }

  /** The server's Retry-After header, if it sent one (read by the retry wrapper). */
  readonly retryAfter?: string;
}

/** No answer in time, or the network failed, after retries. */
export class NetworkError extends CrosscheckError {
  constructor(
    message: string,
    readonly request: RedactedRequest,
    hint?: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, hint, options);
    this.code = options?.code;
  }

  /** The system error code (ECONNRESET, ECONNREFUSED…) or ATTEMPT_TIMEOUT, read by the retry wrapper. */
  readonly code?: string;
}

/**
 * The proxy (HTTPS_PROXY/HTTP_PROXY) refused or failed to open the tunnel, so the request never reached the server:
 * 407 (it wants credentials), 403 (the host is not allowed), 502–504 (it could not reach the host).
 */
export class ProxyError extends NetworkError {
  constructor(
    message: string,
    readonly status: number,
    request: RedactedRequest,
    hint?: string,
  ) {
    super(message, request, hint);
  }
}
