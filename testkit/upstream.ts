import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { LoopbackServer } from "./loopback-server";

/** What the echo route reports back: what the deployment actually received. */
export interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  sha256: string;
}

/**
 * A real upstream for the gateway tests: echo, assets, SSE, slow, dying and hanging routes, cookies and
 * redirects. It records which requests the client abandoned, so tests can see aborts propagate.
 */
export class TestUpstream extends LoopbackServer {
  /** Requests (by x-test-id) whose connection closed before the upstream answered. */
  readonly aborted = new Set<string>();
  /** Test ids (x-test-id) of the requests that reached this upstream. */
  readonly received = new Set<string>();
  readonly requestCount = { value: 0 };
  /** Requests that reached `/flaky/…`, which answers 500 while `failing` is set. */
  readonly flakyCount = { value: 0 };
  failing = false;
  private readonly waiting = new Map<string, () => void>();

  constructor() {
    super(
      createServer((request, response) => {
        this.requestCount.value++;
        this.route(request, response).catch((error) => {
          response.destroy(error);
        });
      }),
    );
  }

  /** Lets a held SSE stream send its next event. */
  release(id: string): void {
    this.waiting.get(id)?.();
  }

  private hold(id: string): Promise<void> {
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://upstream");
    const path = url.pathname.replace(/^\/base(?=\/)/, "");
    const testId = String(request.headers["x-test-id"] ?? "");
    if (testId) {
      this.received.add(testId);
      request.once("close", () => !response.writableEnded && this.aborted.add(testId));
    }

    if (path === "/slow") {
      await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("ms") ?? 1000)));
      if (!response.destroyed) response.end("slow");
      return;
    }
    if (path.startsWith("/flaky")) {
      this.flakyCount.value++;
      response.writeHead(this.failing ? 500 : 200, { "content-type": "text/plain" });
      response.end(this.failing ? "failing" : "fine");
      return;
    }
    if (path === "/hang") return; // never answers: only an abort ends it
    if (path === "/sse") return this.sse(response, url);
    if (path === "/die") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("partial body...");
      setTimeout(() => response.socket?.destroy(), 100);
      return;
    }
    if (path === "/download") {
      const total = Number(url.searchParams.get("bytes") ?? 0);
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": total });
      const chunk = Buffer.alloc(64 * 1024, 7);
      for (let sent = 0; sent < total; sent += chunk.length) {
        if (!response.write(chunk.subarray(0, Math.min(chunk.length, total - sent)))) await once(response, "drain");
      }
      response.end();
      return;
    }
    if (path === "/gzip") {
      const body = gzipSync(Buffer.from("compressed by the deployment"));
      response.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": body.length });
      response.end(body);
      return;
    }
    if (path === "/cookies") {
      response.writeHead(200, {
        "set-cookie": [
          "plain=1",
          "scoped=2; Path=/account; Domain=upstream.internal; HttpOnly",
          "next-auth.session-token=forged; Path=/",
          "based=3; Path=/base/area",
        ],
      });
      response.end("cookies");
      return;
    }
    if (path === "/origin-wide") {
      // What a hostile deployment would send to act on the whole origin it shares with the hub.
      response.writeHead(200, {
        "content-type": "text/javascript",
        "service-worker-allowed": "/",
        "clear-site-data": '"cookies", "storage"',
        "set-login": "logged-out",
        refresh: "0; url=https://elsewhere.example/",
        "strict-transport-security": "max-age=63072000; includeSubDomains",
        "alt-svc": 'h2="elsewhere.example:443"',
        "set-cookie": ["__Host-session=1; Path=/; Secure", "near=1; Path=/basex"],
      });
      response.end("self.addEventListener('fetch', () => {});");
      return;
    }
    if (path === "/redirect") {
      response.writeHead(302, { location: url.searchParams.get("to") ?? "/" });
      response.end();
      return;
    }
    if (path === "/status") {
      response.writeHead(Number(url.searchParams.get("code") ?? 200), { "content-type": "text/plain" });
      response.end("status");
      return;
    }
    if (path === "/cors") {
      response.writeHead(200, { "access-control-allow-origin": "*", "content-type": "text/plain" });
      response.end("cors");
      return;
    }
    if (path === "/hop") {
      response.writeHead(200, { connection: "x-private, keep-alive", "x-private": "secret", "keep-alive": "timeout=5", "x-public": "ok" });
      response.end("hop");
      return;
    }
    return this.echo(request, response);
  }

  private async echo(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of request) {
      bytes += chunk.length;
      hash.update(chunk);
    }
    const echo: Echo = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, bytes, sha256: hash.digest("hex") };
    const body = JSON.stringify(echo);
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    response.end(request.method === "HEAD" ? undefined : body);
  }

  private async sse(response: ServerResponse, url: URL): Promise<void> {
    const id = url.searchParams.get("hold");
    const count = Number(url.searchParams.get("count") ?? 3);
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    response.flushHeaders();
    for (let i = 1; i <= count; i++) {
      if (id) await this.hold(id);
      else await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("gap") ?? 50)));
      if (response.destroyed) return;
      response.write(`id: ${i}\ndata: event ${i}\n\n`);
    }
    response.end();
  }
}
