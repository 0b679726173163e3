import assert from "node:assert/strict";
import { once } from "node:events";
import { before, test } from "node:test";
import WebSocket from "ws";
import { type Harness, harness } from "@/testkit/harness";
import { skipUnless } from "@/testkit/suite";
import { WebSocketUpstream } from "@/testkit/websocket-upstream";

// Starts `server.ts --dev` (next dev, compiling on demand); once, on the PostgreSQL + Redis run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

let h: Harness<WebSocketUpstream>;
before(async (t) => {
  if (skip) return;
  h = await harness(t, {
    upstream: new WebSocketUpstream(),
    apps: [{ NODE_ENV: "development" }],
    appOptions: { timeoutMs: 120_000, serverArgs: ["--dev"] },
    deployment: false,
  });
});

test("under `npm run dev`, Next's own hot-reload socket upgrades beside the gateway's WebSockets", { skip, timeout: 180_000 }, async () => {
  // A page compiled first, as a browser would load one before its hot-reload client connects.
  assert.equal((await fetch(`${h.app}/signin`)).status, 200);
  const wsBase = h.app.replace(/^http/, "ws");

  const hotReload = new WebSocket(`${wsBase}/_next/hmr?id=gatehouse-test`);
  // Next speaks first, in the same breath as the handshake: listen before the socket opens.
  const firstMessage = once(hotReload, "message", { signal: AbortSignal.timeout(30_000) });
  await once(hotReload, "open", { signal: AbortSignal.timeout(30_000) });
  assert.match(String((await firstMessage)[0]), /"type"/, "Next talks on its hot-reload socket");

  const deployment = await h.deploy();
  const proxied = new WebSocket(`${wsBase}${deployment.path}/socket`, { headers: { cookie: h.owner.cookie } });
  await once(proxied, "open");
  proxied.send("through the dev server's gateway");
  const [echo] = await once(proxied, "message");
  assert.equal(echo.toString(), "through the dev server's gateway");
  assert.equal(hotReload.readyState, WebSocket.OPEN, "the hot-reload socket stayed open meanwhile");

  proxied.close();
  hotReload.close();
});
