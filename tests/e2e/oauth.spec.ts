import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, type Page, type TestInfo, test } from "@playwright/test";
import { runCli } from "@/testkit/app";
import { signInToDashboard } from "@/testkit/browser";
import { McpUpstream } from "@/testkit/mcp-upstream";
import { MemoryOAuthClient } from "@/testkit/oauth-client";

const port = Number(process.env.E2E_PORT ?? 3210);
const hub = `http://localhost:${port}`;

/** A native MCP client's loopback callback: the URL the browser lands on after consent. */
async function callbackListener() {
  let arrived: (url: URL) => void = () => {};
  const landed = new Promise<URL>((resolve) => (arrived = resolve));
  const server = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/plain" }).end("You can close this window.");
    arrived(new URL(request.url ?? "/", "http://127.0.0.1"));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, landed, close: () => server.close() };
}

async function shoot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name}: the phone layout scrolls sideways`).toBe(0);
  await page.screenshot({ path: testInfo.outputPath(`${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const width of ["desktop", "phone"])
    await testInfo.attach(`${name}-${width}`, { path: testInfo.outputPath(`${name}-${width}.png`), contentType: "image/png" });
}

test("an MCP client signs in through Chromium: consent, Allow, tools; Deny; Connected apps revokes it; the MCP panel shows its calls", async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const upstream = new McpUpstream();
  await upstream.start();
  const name = `mcp-${Date.now().toString(36)}`;
  const created = await runCli(["deployment:create", "--owner", "demo@gatehouse.local", "--name", name, "--target", upstream.url], {
    DATABASE_URL: "",
    GATEHOUSE_DATA_DIR: `.data/e2e-${port}`,
  });
  expect(created.code, created.stderr).toBe(0);
  const deployment = JSON.parse(created.stdout) as { id: string; userId: string };
  const mcpUrl = new URL(`${hub}/api/gateway/${deployment.userId}/${deployment.id}/mcp`);
  const callback = await callbackListener();
  try {
    await signInToDashboard(page);

    // From a bare 401 the SDK discovers the hub, registers, and sends the user to authorize.
    const oauth = new MemoryOAuthClient(callback.url);
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth });
    await expect(new Client({ name: "e2e", version: "1" }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    await page.goto(oauth.authorizationUrl!.href);
    await expect(page.getByRole("heading", { name: "Connect Gatehouse test client?" })).toBeVisible();
    await expect(page.locator("main")).toContainText(name);
    await expect(page.locator("main")).toContainText("loopback address");
    await shoot(page, testInfo, "consent");
    await page.getByRole("button", { name: "Allow" }).click();
    const landed = await callback.landed;
    expect(landed.searchParams.get("iss")).toBe(hub);
    await first.finishAuth(landed.searchParams.get("code") ?? "");

    const client = new Client({ name: "e2e", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth }));
    expect((await client.callTool({ name: "add", arguments: { a: 40, b: 2 } })).content).toEqual([{ type: "text", text: "42" }]);
    expect((await client.callTool({ name: "whoami", arguments: {} })).content).toEqual([{ type: "text", text: deployment.userId }]);
    await client.close();
    expect(new Set(upstream.seen.authorization)).toEqual(new Set([undefined]));

    // Deny: the client is told access_denied.
    const denied = await callbackListener();
    const refused = new MemoryOAuthClient(denied.url, { client_name: "Refused client" });
    await expect(
      new Client({ name: "e2e", version: "1" }).connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: refused })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    await page.goto(refused.authorizationUrl!.href);
    await page.getByRole("button", { name: "Deny" }).click();
    expect((await denied.landed).searchParams.get("error")).toBe("access_denied");
    denied.close();

    // The MCP panel counts the calls (the request log is written in batches: reload until they are in).
    await page.goto(`/dashboard/deployments/${deployment.id}`);
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("mcp-by-tool").locator('tr[data-value="add"]')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByTestId("mcp-by-method").locator('tr[data-value="tools/call"] [data-calls]')).toHaveAttribute("data-calls", "2");
    await shoot(page, testInfo, "mcp-panel");

    // Connected apps lists the grant; Revoke ends its access token at once on this instance.
    await page.getByRole("link", { name: "Connected apps" }).click();
    const row = page.locator('tr[data-connected-app="Gatehouse test client"]').filter({ hasText: name });
    await expect(row).toBeVisible();
    await shoot(page, testInfo, "connected-apps");
    await row.getByRole("button", { name: "Revoke Gatehouse test client" }).click();
    await expect(row).toHaveCount(0);
    const afterRevoke = await fetch(mcpUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${oauth.tokens()?.access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(afterRevoke.status).toBe(401);
  } finally {
    callback.close();
    await upstream.stop();
  }
});
