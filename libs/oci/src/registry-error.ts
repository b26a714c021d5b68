// The one error type of the registry client. Callers classify by `transient` (retry with backoff) and `status` /
// `code` (the registry's error code from the distribution spec, or one of CLIENT_ERROR_CODE).

/** Codes for failures detected by the client rather than reported by the registry. */
export const CLIENT_ERROR_CODE = {
  NETWORK: 'NETWORK',
  TIMEOUT: 'TIMEOUT',
  /** Content from the registry does not hash to the digest it was asked for or announced. */
  DIGEST_MISMATCH: 'DIGEST_MISMATCH',
  /** A manifest list or index has no entry for the requested platform. */
  PLATFORM_NOT_FOUND: 'PLATFORM_NOT_FOUND',
  /** The registry answered with something the client cannot use (bad JSON, missing header, bad token). */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** The token server refused or failed the token request. */
  TOKEN_REQUEST_FAILED: 'TOKEN_REQUEST_FAILED',
} as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODE)[keyof typeof CLIENT_ERROR_CODE];

export interface RegistryErrorDetails {
  /** Registry as written in references. */
  registry: string;
  /** What the client was doing: `HEAD manifest kmm/hello:v1`. */
  operation: string;
  /** HTTP status, when a response came back. */
  status?: number;
  /** Registry error code (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`, …) or a {@link ClientErrorCode}. */
  code?: string;
  /** Message the registry gave with the code. */
  detail?: string;
  transient?: boolean;
  cause?: unknown;
}

export class RegistryError extends Error {
  readonly registry: string;
  readonly operation: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** True for 5xx, 408, 429, network failures and timeouts: retrying later may succeed. */
  readonly transient: boolean;

  constructor(details: RegistryErrorDetails) {
    const parts = [details.status?.toString(), details.code, details.detail].filter((p) => p !== undefined);
    super(`registry ${details.registry}: ${details.operation}: ${parts.join(' ') || 'failed'}`, {
      cause: details.cause,
    });
    this.name = 'RegistryError';
    this.registry = details.registry;
    this.operation = details.operation;
    this.status = details.status;
    this.code = details.code;
    this.transient = details.transient ?? (details.status !== undefined && isTransientStatus(details.status));
  }
}

export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** First `{code, message}` of a distribution error body `{"errors":[…]}`, if the text is one. */
export function parseRegistryErrorBody(text: string): { code: string; message?: string } | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null || !('errors' in body) || !Array.isArray(body.errors)) {
      return undefined;
    }
    const first: unknown = body.errors[0];
    if (typeof first !== 'object' || first === null || !('code' in first) || typeof first.code !== 'string') {
      return undefined;
    }
    const message = 'message' in first && typeof first.message === 'string' ? first.message : undefined;
    return message === undefined ? { code: first.code } : { code: first.code, message };
  } catch {
    return undefined;
  }
}
