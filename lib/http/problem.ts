/**
 * The one error shape of the whole API: RFC 9457 problem details. Anything that refuses a request
 * throws (or returns) an ApiError; one place turns it into a response.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

export const problemContentType = "application/problem+json";

export function problemBody(error: ApiError, requestId?: string): ProblemBody {
  return {
    type: `urn:gatehouse:problem:${error.slug}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    ...(requestId ? { requestId } : {}),
    ...(error instanceof ValidationError ? { errors: error.errors } : {}),
  };
}

export class ValidationError extends ApiError {
  constructor(readonly errors: { path: string; message: string }[]) {
    super(400, "invalid-input", "Invalid input", errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; "));
  }
}

/** A fault of ours: the client learns only the request id, never the cause. */
export function internalError(): ApiError {
  return new ApiError(500, "internal", "Internal error", "The gateway failed to handle this request. Quote the request id when reporting it.");
}
