import { invalidJson } from "@/lib/http/problems";
import { asProblem, renderProblem, requestIdFrom } from "@/lib/http/render-problem";

/** Wraps a Next route handler so that every refusal or fault leaves as a problem body. */
export function withProblems<Args extends [Request, ...unknown[]]>(handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      const requestId = requestIdFrom(args[0].headers.get("x-request-id"));
      const { status, headers, body } = renderProblem(asProblem(error, requestId), requestId);
      return new Response(new Uint8Array(body), { status, headers });
    }
  };
}

export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw invalidJson();
  }
}
