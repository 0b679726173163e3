/**
 * The bench's two plain servers, each run in a process of its own so neither shares an event loop with
 * the load generator:
 *   upstream        answers every request with a small JSON body; `/sse?count=N&interval=MS` streams
 *                   N events, each carrying the monotonic clock (ns) at the moment it was written;
 *                   `/download?bytes=N` sends N bytes; `/upload` reads the body and answers its length
 *   proxy ORIGIN    node:http + undici in front of ORIGIN: the floor any Node gateway can reach
 * Prints `listening URL` once it serves.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Agent } from "undici";

const payload = Buffer.from(JSON.stringify({ message: "hello from the bench upstream", ok: true }));

function streamEvents(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", "http://upstream");
  const count = Number(url.searchParams.get("count") ?? 100);
  const interval = Number(url.searchParams.get("interval") ?? 10);
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // A stream whose first event is far off still answers at once, as real event streams do.
  response.flushHeaders();
  let sent = 0;
  const timer = setInterval(() => {
    // process.hrtime is CLOCK_MONOTONIC, shared by every process on the machine, so the client can subtract it.
    response.write(`data: ${process.hrtime.bigint()}\n\n`);
    if (++sent === count) {
      clearInterval(timer);
      response.end();
    }
  }, interval);
  response.once("close", () => clearInterval(timer));
}

const chunk = Buffer.alloc(64 * 1024, 7);

async function download(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const total = Number(new URL(request.url ?? "/", "http://upstream").searchParams.get("bytes") ?? 0);
  response.writeHead(200, { "content-type": "application/octet-stream", "content-length": total });
  for (let sent = 0; sent < total && !response.destroyed; sent += chunk.length) {
    if (!response.write(chunk.subarray(0, Math.min(chunk.length, total - sent)))) await new Promise((resolve) => response.once("drain", resolve));
  }
  response.end();
}

async function upload(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let received = 0;
  for await (const part of request) received += part.length;
  response.writeHead(200, { "content-type": "text/plain" });
  response.end(String(received));
}

function upstream() {
  return createServer((request, response) => {
    if (request.url?.startsWith("/sse")) return streamEvents(request, response);
    if (request.url?.startsWith("/download")) return void download(request, response).catch(() => response.destroy());
    if (request.url?.startsWith("/upload")) return void upload(request, response).catch(() => response.destroy());
    response.writeHead(200, { "content-type": "application/json", "content-length": payload.length });
    response.end(payload);
  });
}

// Hop-by-hop headers belong to one connection; even the barest proxy must not relay them.
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);
const endToEnd = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name))) as Record<string, string>;

function proxy(origin: string) {
  // The gateway's own pool bound (GATEWAY_MAX_CONNECTIONS_PER_UPSTREAM's default), so both compete alike.
  const dispatcher = new Agent({ connections: 1024 });
  return createServer(async (request, response) => {
    try {
      const hasBody = request.headers["content-length"] !== undefined || request.headers["transfer-encoding"] !== undefined;
      const answer = await dispatcher.request({
        origin,
        path: request.url ?? "/",
        method: (request.method ?? "GET") as "GET",
        headers: endToEnd(request.headers),
        body: hasBody ? request : undefined,
      });
      response.writeHead(answer.statusCode, endToEnd(answer.headers));
      // As the gateway does: a body of unknown length (an event stream) gets its head at once; a body
      // of known length follows its head in the same write.
      if (answer.headers["content-length"] === undefined) response.flushHeaders();
      await pipeline(answer.body, response);
    } catch {
      response.destroy();
    }
  });
}

const [role, origin] = process.argv.slice(2);
if (role !== "upstream" && !(role === "proxy" && origin)) {
  console.error("usage: servers.ts upstream | proxy ORIGIN");
  process.exit(2);
}
const server = role === "upstream" ? upstream() : proxy(origin);
server.listen(0, "127.0.0.1", () => console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.once("SIGTERM", () => process.exit(0));
