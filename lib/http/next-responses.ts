import { randomUUID } from "node:crypto";
import { ApiError, internalError, problemBody, problemContentType } from "@/lib/http/problem";

/** Wraps a Next route handler so that every refusal or fault leaves as a problem body. */
export function withProblems<Args extends unknown[]>(handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      const requestId = randomUUID();
      if (!(error instanceof ApiError)) console.error(`[gatehouse] request ${requestId} failed`, error);
      const problem = error instanceof ApiError ? error : internalError();
      return Response.json(problemBody(problem, requestId), {
        status: problem.status,
        headers: { ...problem.headers, "content-type": problemContentType, "x-request-id": requestId },
      });
    }
  };
}

export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ApiError(400, "invalid-json", "Invalid JSON", "The request body is not valid JSON.");
  }
}
