import { config } from "@/lib/config";
import { readCappedBody } from "@/lib/http/capped-body";
import { crossOriginChange, invalidJson } from "@/lib/http/problems";
import { asProblem, renderProblem, requestIdFrom } from "@/lib/http/render-problem";

const readOnlyMethods = new Set(["GET", "HEAD", "OPTIONS"]);

let configuredOrigin: string | null | undefined;
const hubOrigin = () => {
  if (configuredOrigin === undefined) {
    const publicUrl = config().GATEHOUSE_PUBLIC_URL;
    configuredOrigin = publicUrl ? new URL(publicUrl).origin : null;
  }
  return configuredOrigin;
};

/**
 * Whether a browser sent this request from a page of another origin. Browsers say so in Sec-Fetch-Site,
 * and older ones at least in Origin; programs send neither, and need a credential anyway.
 */
function fromAnotherOrigin(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site) return site !== "same-origin" && site !== "none";
  const origin = request.headers.get("origin");
  if (!origin) return false;
  // Without a configured public URL only the host can be compared: request.url names an internal host.
  const hub = hubOrigin();
  if (hub) return origin !== hub;
  try {
    return new URL(origin).host !== request.headers.get("host");
  } catch {
    return true;
  }
}

/**
 * Wraps a Next route handler: every refusal or fault leaves as a problem body, and a change a browser
 * sends from another origin (another site, or a deployment's own origin under the same site) is refused.
 */
export function withProblems<Args extends [Request, ...unknown[]]>(handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      const [request] = args;
      if (!readOnlyMethods.has(request.method) && fromAnotherOrigin(request)) throw crossOriginChange();
      return await handler(...args);
    } catch (error) {
      const requestId = requestIdFrom(args[0].headers.get("x-request-id"));
      const { status, headers, body } = renderProblem(asProblem(error, requestId), requestId);
      return new Response(new Uint8Array(body), { status, headers });
    }
  };
}

/** The request's body, within the hub's cap (lib/http/capped-body.ts). */
export function readBody(request: Request): Promise<Uint8Array> {
  return readCappedBody(request.body as AsyncIterable<Uint8Array> | null, request.headers.get("content-length"));
}

export async function readJson(request: Request): Promise<unknown> {
  const body = await readBody(request);
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw invalidJson();
  }
}
