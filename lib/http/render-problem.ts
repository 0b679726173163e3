import { randomUUID } from "node:crypto";
import { internalError, Problem } from "@/lib/http/problems";

const problemContentType = "application/problem+json";

const requestIdPattern = /^[A-Za-z0-9._:-]{8,128}$/;

/** The caller's X-Request-Id when it is a sane token, so one id follows a request across systems; else a new one. */
export function requestIdFrom(incoming: string | string[] | null | undefined): string {
  return typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : randomUUID();
}

/** Anything thrown, as the problem to answer: our own faults are logged here and reach the client as a bare 500. */
export function asProblem(error: unknown, requestId: string): Problem {
  if (error instanceof Problem) return error;
  console.error(`[gatehouse] request ${requestId} failed`, error);
  return internalError();
}

export interface RenderedProblem {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** The one writer of problem bodies (RFC 9457), for the gateway's answers and the hub's routes alike. */
export function renderProblem(problem: Problem, requestId: string): RenderedProblem {
  const body = Buffer.from(
    JSON.stringify({
      type: `urn:gatehouse:problem:${problem.slug}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      requestId,
      ...(problem.errors ? { errors: problem.errors } : {}),
    }),
  );
  return {
    status: problem.status,
    headers: {
      ...problem.headers,
      "content-type": problemContentType,
      "content-length": String(body.length),
      "cache-control": "no-store",
      "x-request-id": requestId,
    },
    body,
  };
}
