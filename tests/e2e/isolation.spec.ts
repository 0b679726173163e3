import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { demoGatewayPath, signInToDashboard } from "@/testkit/browser";
import { hostRequest } from "@/testkit/host-request";

const port = Number(process.env.E2E_PORT ?? 3210);
const hub = `http://localhost:${port}`;

/**
 * A hostile deployment: its page tries, from its own origin, everything a deployment's script could do
 * to its user on a hub it shared an origin with. It reports what it got in `#results`.
 */
function hostilePage(victimDeploymentId: string): string {
  const script = `
    const results = {};
    async function attempt(name, run) {
      try { results[name] = await run(); } catch (error) { results[name] = "blocked: " + error.name; }
    }
    const patch = (url) => fetch(url, { method: "PATCH", credentials: "include", headers: { "content-type": "application/json" },
      body: JSON.stringify({ corsOrigins: ["https://evil.example"] }) });
    (async () => {
      await attempt("sessionHere", async () => { const r = await fetch("/api/auth/session"); return r.status + " " + (await r.text()); });
      await attempt("sessionOnHub", async () => { const r = await fetch(${JSON.stringify(`${hub}/api/auth/session`)}, { credentials: "include" }); return "read " + (await r.text()); });
      await attempt("dashboardOnHub", async () => { const r = await fetch(${JSON.stringify(`${hub}/dashboard`)}, { credentials: "include" }); return "read " + (await r.text()).slice(0, 200); });
      await attempt("patchHere", async () => "status " + (await patch("/api/deployments/${victimDeploymentId}")).status);
      await attempt("patchOnHub", async () => "status " + (await patch(${JSON.stringify(`${hub}/api/deployments/${victimDeploymentId}`)})).status);
      await attempt("patchOnHubNoCors", async () => {
        const r = await fetch(${JSON.stringify(`${hub}/api/deployments/${victimDeploymentId}`)}, { method: "POST", mode: "no-cors", credentials: "include",
          headers: { "content-type": "text/plain" }, body: "{}" });
        return "sent " + r.type;
      });
      document.getElementById("results").textContent = JSON.stringify(results);
    })();`;
  return `<!doctype html><html><head><title>Hostile</title></head><body><h1>Hostile app</h1><pre id="results"></pre><script>${script}</script></body></html>`;
}

/** The upstream behind both hostile deployments: the page, a cookie planted for the whole apps domain, and an echo of cookies. */
async function startHostileUpstream(victimDeploymentId: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://upstream").pathname;
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(hostilePage(victimDeploymentId));
    } else if (path === "/plant") {
      response.writeHead(200, { "content-type": "text/plain", "set-cookie": ["planted=1; Domain=apps.localhost; Path=/", "own=1; Path=/"] });
      response.end("planted");
    } else if (path === "/cookies") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(`cookies:${request.headers.cookie ?? ""}`);
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("hostile upstream: no such path");
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

async function demoDatabase(): Promise<pg.Client> {
  const dbPort = (await readFile(`.data/e2e-${port}/pglite.port`, "utf8")).trim();
  const client = new pg.Client({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable` });
  await client.connect();
  return client;
}

test("a hostile deployment on its own origin reaches nothing of the hub's, changes nothing, and plants no cookie for another deployment", async ({
  page,
  context,
}, testInfo) => {
  const [, , , userId, victimId] = demoGatewayPath().split("/");
  const upstream = await startHostileUpstream(victimId);
  const client = await demoDatabase();
  const suffix = Date.now().toString(36);
  const [hostile, other] = [`hostile${suffix}`, `other${suffix}`];
  try {
    const target = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    for (const id of [hostile, other]) {
      await client.query(`insert into "Deployment" ("id", "userId", "name", "target", "updatedAt") values ($1, $2, $1, $3, now())`, [id, userId, target]);
    }
    const origin = (id: string) => `http://${id}.apps.localhost:${port}`;
    const victimBefore = (await client.query(`select "corsOrigins", "status" from "Deployment" where id = $1`, [victimId])).rows[0];

    await signInToDashboard(page);
    await page.goto(`${origin(hostile)}/`);
    await expect(page).toHaveURL(`${origin(hostile)}/`);
    await expect(page.locator("#results")).not.toBeEmpty();
    const results = JSON.parse((await page.locator("#results").textContent()) ?? "{}") as Record<string, string>;
    testInfo.attach("hostile-results", { body: JSON.stringify(results, null, 2), contentType: "application/json" });
    // On its own origin, every path is the deployment's own: the hub's session API is not there.
    expect(results.sessionHere).toBe("404 hostile upstream: no such path");
    expect(results.patchHere).toBe("status 404");
    // On the hub's origin, nothing is readable and nothing changes.
    expect(results.sessionOnHub).toMatch(/^blocked/);
    expect(results.dashboardOnHub).toMatch(/^blocked/);
    expect(results.patchOnHub).toMatch(/^blocked/);
    const victimAfter = (await client.query(`select "corsOrigins", "status" from "Deployment" where id = $1`, [victimId])).rows[0];
    expect(victimAfter).toEqual(victimBefore);
    await page.screenshot({ path: testInfo.outputPath("hostile-desktop.png"), fullPage: true });

    // A cookie for the whole apps domain loses its Domain; the deployment's own cookie stays its own.
    await page.goto(`${origin(hostile)}/plant`);
    const planted = await context.cookies(origin(hostile));
    expect(planted.find((cookie) => cookie.name === "planted")?.domain).toBe(`${hostile}.apps.localhost`);

    // The hostile app's session cookie, copied to the other deployment's host, is refused there.
    const session = planted.find((cookie) => cookie.name === "gatehouse-app");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Lax");
    const copied = await hostRequest(hub, `${other}.apps.localhost:${port}`, "/cookies", { headers: { cookie: `${session!.name}=${session!.value}` } });
    expect(copied.status).toBe(401);

    // The other deployment, once signed in on its own origin, never receives what the first one planted.
    await page.goto(`${origin(other)}/cookies`);
    await expect(page).toHaveURL(`${origin(other)}/cookies`);
    const received = (await page.locator("body").textContent()) ?? "";
    expect(received).toMatch(/^cookies:/);
    expect(received).not.toContain("planted");
    expect(received).not.toContain("own=1");
    expect(received).not.toContain("gatehouse-app");

    // The handoff code in the URL is used up: replaying the redemption gets a page saying so, not a session.
    let handoffUrl = "";
    page.on("request", (request) => {
      if (request.url().includes("/__gatehouse/handoff")) handoffUrl = request.url();
    });
    await context.clearCookies({ domain: `${other}.apps.localhost` });
    await page.goto(`${origin(other)}/cookies`);
    expect(handoffUrl).toContain(`${origin(other)}/__gatehouse/handoff?code=`);
    await context.clearCookies({ domain: `${other}.apps.localhost` });
    const replay = await page.goto(handoffUrl);
    expect(replay?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "Sign-in link no longer valid" })).toBeVisible();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: testInfo.outputPath("replayed-code-phone.png"), fullPage: true });
  } finally {
    await client.query(`delete from "Deployment" where id = any($1)`, [[hostile, other]]);
    await client.end();
    upstream.close();
  }
});
