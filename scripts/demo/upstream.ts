import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The bundled demo deployment: what a newcomer sees first behind the gateway. It exercises what a real
 * deployment needs from Gatehouse: relative and prefix-built asset paths, the user id header, a JSON API
 * and a server-sent event stream.
 */
export interface DemoUpstream {
  url: string;
  close(): Promise<void>;
}

interface Message {
  id: number;
  text: string;
  from: string | null;
  at: string;
}

const assetTypes = {
  "style.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "logo.svg": "image/svg+xml",
};

const maxMessages = 50;
const maxMessageLength = 280;
const maxBodyBytes = 4_096;

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character]!);

const headerValue = (request: IncomingMessage, name: string) => {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
};

function page(prefix: string, userId: string): string {
  const logo = escapeHtml(`${prefix}/assets/logo.svg`);
  const user = userId
    ? `<code id="user-id">${escapeHtml(userId)}</code>`
    : `<span id="user-id" class="missing">none: this request did not come through Gatehouse</span>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Demo app · behind Gatehouse</title>
  <link rel="icon" type="image/svg+xml" href="${logo}">
  <link rel="stylesheet" href="assets/style.css">
  <script src="assets/app.js" defer></script>
</head>
<body>
  <header class="hero">
    <img class="logo" src="${logo}" alt="" width="64" height="64">
    <div>
      <p class="eyebrow">Demo deployment</p>
      <h1>Hello from behind the gateway</h1>
      <p class="lead">This small app runs on its own port. You reached it through Gatehouse, which checked your session before it let the request through.</p>
    </div>
  </header>
  <main class="grid">
    <section class="card">
      <h2>Who is asking</h2>
      <dl class="facts">
        <dt>X-Gatehouse-User-Id</dt>
        <dd>${user}</dd>
        <dt>X-Forwarded-Prefix</dt>
        <dd><code>${escapeHtml(prefix) || "(none)"}</code></dd>
      </dl>
      <p class="hint">The app never sees your Gatehouse session. The gateway tells it who you are with this header, and discards any copy a client sends.</p>
    </section>
    <section class="card">
      <h2>Live clock</h2>
      <p id="clock" class="clock" aria-live="polite">connecting…</p>
      <p class="hint">Server-sent events from <code>events</code>, relayed tick by tick without buffering.</p>
    </section>
    <section class="card wide">
      <h2>Guestbook</h2>
      <form id="message-form" class="composer">
        <input id="message-text" name="text" maxlength="${maxMessageLength}" placeholder="Say hello…" autocomplete="off" required>
        <button type="submit">Post</button>
      </form>
      <p id="message-error" class="error" role="alert" hidden></p>
      <ul id="messages" class="messages"></ul>
      <p class="hint">Posted as JSON to <code>api/messages</code>, a path relative to this page, so it stays inside the gateway prefix.</p>
    </section>
    <section class="card wide">
      <h2>How the assets find their way</h2>
      <ul class="assets">
        <li><code>assets/style.css</code> and <code>assets/app.js</code> are linked by relative paths: they work under any prefix.</li>
        <li><code>${logo}</code>, the logo, is an absolute path the app built from <code>X-Forwarded-Prefix</code>.</li>
      </ul>
    </section>
  </main>
</body>
</html>
`;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
    "cache-control": "no-store",
    ...headers,
  });
  response.end(json);
}

function methodNotAllowed(response: ServerResponse, allowed: string): void {
  sendJson(response, 405, { error: `Use ${allowed}.` }, { allow: allowed });
}

/** The body as text, or null once it exceeds the limit. */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function messageText(body: string): string | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { error: "The body is not valid JSON." };
  }
  const text = typeof parsed === "object" && parsed !== null ? (parsed as { text?: unknown }).text : undefined;
  if (typeof text !== "string") return { error: 'Send {"text": "…"} with a string.' };
  const trimmed = text.trim();
  if (!trimmed) return { error: "The message is empty." };
  if (trimmed.length > maxMessageLength) return { error: `Keep it to ${maxMessageLength} characters.` };
  return trimmed;
}

/** Starts the demo deployment on 127.0.0.1; port 0 picks a free one. */
export async function startDemoUpstream(port = 0): Promise<DemoUpstream> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const [name, type] of Object.entries(assetTypes)) {
    assets.set(name, { type, body: await readFile(new URL(`assets/${name}`, import.meta.url)) });
  }
  const messages: Message[] = [];
  const streams = new Set<ServerResponse>();
  let nextId = 1;

  const broadcast = (event: string, data: unknown) => {
    for (const stream of streams) stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  async function postMessage(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!/^application\/json\b/i.test(headerValue(request, "content-type"))) {
      return sendJson(response, 415, { error: "Send the message as application/json." });
    }
    const body = await readBody(request);
    // Unread bytes may still be in flight: closing the connection keeps them from being parsed as a request.
    if (body === null) return sendJson(response, 413, { error: `The body is larger than ${maxBodyBytes} bytes.` }, { connection: "close" });
    const text = messageText(body);
    if (typeof text !== "string") return sendJson(response, 400, text);
    const message: Message = { id: nextId++, text, from: headerValue(request, "x-gatehouse-user-id") || null, at: new Date().toISOString() };
    messages.push(message);
    if (messages.length > maxMessages) messages.shift();
    broadcast("message-posted", message);
    sendJson(response, 201, message);
  }

  function openEvents(response: ServerResponse): void {
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    response.write("retry: 2000\n\n");
    const tick = () => response.write(`event: tick\ndata: ${JSON.stringify({ time: new Date().toISOString() })}\n\n`);
    tick();
    const timer = setInterval(tick, 1_000);
    streams.add(response);
    response.on("close", () => {
      clearInterval(timer);
      streams.delete(response);
    });
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://upstream").pathname;
    const reading = request.method === "GET" || request.method === "HEAD";
    if (path === "/") {
      if (!reading) return methodNotAllowed(response, "GET, HEAD");
      const html = page(headerValue(request, "x-forwarded-prefix").replace(/\/+$/, ""), headerValue(request, "x-gatehouse-user-id"));
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html), "cache-control": "no-store" });
      return void response.end(html);
    }
    const asset = path.startsWith("/assets/") ? assets.get(path.slice("/assets/".length)) : undefined;
    if (asset) {
      if (!reading) return methodNotAllowed(response, "GET, HEAD");
      response.writeHead(200, { "content-type": asset.type, "content-length": asset.body.length, "cache-control": "no-cache" });
      return void response.end(asset.body);
    }
    if (path === "/api/messages") {
      if (reading) return sendJson(response, 200, { messages });
      if (request.method === "POST") return postMessage(request, response);
      return methodNotAllowed(response, "GET, HEAD, POST");
    }
    if (path === "/events") {
      if (request.method !== "GET") return methodNotAllowed(response, "GET");
      return openEvents(response);
    }
    sendJson(response, 404, { error: `Nothing at ${path}.` });
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      console.error("[demo upstream]", error);
      if (!response.headersSent) sendJson(response, 500, { error: "The demo app failed; see its log." });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: actualPort } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${actualPort}`,
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Event streams never end by themselves; closing would otherwise wait for every open tab.
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      return closed;
    },
  };
}
