import { Agent } from "undici";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const origin = process.env.NEXT_FLOOR_UPSTREAM;
// The gateway's own pool bound, so both compete alike.
const dispatcher = new Agent({ connections: 1024 });
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);

export async function GET(request) {
  const url = new URL(request.url);
  const headers = {};
  request.headers.forEach((value, name) => {
    if (!hopByHop.has(name)) headers[name] = value;
  });
  const answer = await dispatcher.request({ origin, path: url.pathname.replace(/^\/proxy/, "") + url.search, method: "GET", headers });
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) if (!hopByHop.has(name)) responseHeaders.set(name, String(value));
  return new Response(ReadableStream.from(answer.body), { status: answer.statusCode, headers: responseHeaders });
}
