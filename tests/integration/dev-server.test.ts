import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { type RunningApp, startApp } from "@/tests/support/app";
import { newDeployment, newUser, type TestUser } from "@/tests/support/fixtures";
import { startWebSocketUpstream } from "@/tests/support/websocket-upstream";

// Starts `server.ts --dev` (next dev, compiling on demand); once, on the PostgreSQL + Redis run.
const skip = process.env.GATEHOUSE_TEST_DATABASE !== "postgres" || process.env.GATEHOUSE_TEST_GATEWAY_MODE !== "fast";

let dev: RunningApp;
let upstream: Awaited<ReturnType<typeof startWebSocketUpstream>>;
let owner: TestUser;

before(async () => {
  if (skip) return;
  [dev, upstream, owner] = await Promise.all([
    startApp({ DATABASE_URL: process.env.DATABASE_URL, NODE_ENV: "development" }, 120_000, [], ["--dev"]),
    startWebSocketUpstream(),
    newUser(),
  ]);
});
after(async () => {
  await dev?.stop();
  await upstream?.stop();
});

test("under `npm run dev`, Next's own hot-reload socket upgrades beside the gateway's WebSockets", { skip, timeout: 180_000 }, async () => {
  // A page compiled first, as a browser would load one before its hot-reload client connects.
  assert.equal((await fetch(`${dev.url}/signin`)).status, 200);
  const wsBase = dev.url.replace(/^http/, "ws");

  const hotReload = new WebSocket(`${wsBase}/_next/hmr?id=gatehouse-test`);
  // Next speaks first, in the same breath as the handshake: listen before the socket opens.
  const firstMessage = once(hotReload, "message", { signal: AbortSignal.timeout(30_000) });
  await once(hotReload, "open", { signal: AbortSignal.timeout(30_000) });
  assert.match(String((await firstMessage)[0]), /"type"/, "Next talks on its hot-reload socket");

  const deployment = await newDeployment(owner, upstream.url);
  const proxied = new WebSocket(`${wsBase}${deployment.path}/socket`, { headers: { cookie: owner.cookie } });
  await once(proxied, "open");
  proxied.send("through the dev server's gateway");
  const [echo] = await once(proxied, "message");
  assert.equal(echo.toString(), "through the dev server's gateway");
  assert.equal(hotReload.readyState, WebSocket.OPEN, "the hot-reload socket stayed open meanwhile");

  proxied.close();
  hotReload.close();
});
