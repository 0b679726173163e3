import { randomUUID } from "node:crypto";
import { isDatabaseUnavailable } from "@/lib/database/outage";
import { databaseUnavailable, internalError, Problem } from "@/lib/http/problems";

const problemContentType = "application/problem+json";

const requestIdPattern = /^[A-Za-z0-9._:-]{8,128}$/;

/** The caller's X-Request-Id when it is a sane token, so one id follows a request across systems; else a new one. */
export function requestIdFrom(incoming: string | string[] | null | undefined): string {
  return typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : randomUUID();
}

/**
 * Anything thrown, as the problem to answer: a database outage is a 503 to retry (and logged once per
 * interval); our own faults are logged here and reach the client as a bare 500.
 */
export function asProblem(error: unknown, requestId: string): Problem {
  if (error instanceof Problem) return error;
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
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

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The same problem as a small page, for a person's browser that navigated somewhere it cannot go
 * (an expired sign-in link, an app that is not theirs): what happened, and a link onwards.
 */
export function renderProblemPage(problem: Problem, requestId: string, onwards: { href: string; label: string }): RenderedProblem {
  const body = Buffer.from(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(problem.title)} · Gatehouse</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:12vh auto;padding:0 1.25rem;color:#1f2937}h1{font-size:1.4rem}a{color:#2563eb}small{color:#6b7280}</style>
</head><body><main><h1>${escapeHtml(problem.title)}</h1><p>${escapeHtml(problem.detail)}</p>
<p><a href="${escapeHtml(onwards.href)}">${escapeHtml(onwards.label)}</a></p><p><small>Request ${escapeHtml(requestId)} · ${problem.status}</small></p></main></body></html>
`);
  return {
    status: problem.status,
    headers: {
      ...problem.headers,
      "content-type": "text/html; charset=utf-8",
      "content-length": String(body.length),
      "cache-control": "no-store",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      "x-request-id": requestId,
    },
    body,
  };
}
