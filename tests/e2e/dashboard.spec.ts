import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { formatCount, formatMs, formatPercent } from "@/lib/analytics/format";
import { percentileFromBuckets } from "@/lib/request-log/latency";
import { cspViolations, demoAppUrl, demoGatewayPath, enterDemoApp, openDemoDeployment, signInToDashboard, statusOfFetch } from "@/testkit/browser";

const port = Number(process.env.E2E_PORT ?? 3210);

/** The demo's embedded database, through the port it serves PGlite on (playwright.config.ts's data dir). */
async function demoDatabase(): Promise<pg.Client> {
  const dbPort = (await readFile(`.data/e2e-${port}/pglite.port`, "utf8")).trim();
  const client = new pg.Client({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable` });
  await client.connect();
  return client;
}

interface Figures {
  logged: number;
  requests: number;
  status5xx: number;
  histogram: number[];
  notFound: number;
}

/** What the database holds for the deployment: the raw log and the rollups the page reads. */
async function figures(client: pg.Client, deploymentId: string): Promise<Figures> {
  const logged = await client.query(
    `select count(*)::int as n, count(*) filter (where status = 404)::int as "notFound" from "RequestLog" where "deploymentId" = $1`,
    [deploymentId],
  );
  const rollups = await client.query(`select "requests", "status5xx", "latencyBuckets" from "RequestRollup" where "deploymentId" = $1`, [deploymentId]);
  const histogram: number[] = [];
  for (const row of rollups.rows) for (const [index, count] of (row.latencyBuckets as number[]).entries()) histogram[index] = (histogram[index] ?? 0) + count;
  return {
    logged: logged.rows[0].n,
    notFound: logged.rows[0].notFound,
    requests: rollups.rows.reduce((sum, row) => sum + row.requests, 0),
    status5xx: rollups.rows.reduce((sum, row) => sum + row.status5xx, 0),
    histogram,
  };
}

test("the deployment dashboard shows what the gateway recorded, filters recent requests, and fits desktop and phone", async ({ page }, testInfo) => {
  const app = demoAppUrl();
  const deploymentId = demoGatewayPath().split("/")[4];
  const client = await demoDatabase();
  const violations = cspViolations(page);
  try {
    await signInToDashboard(page);
    const before = await figures(client, deploymentId);

    // Traffic on the app's origin with the page's app session: pages, an API read, and paths the demo app does not have.
    // Entered at a path the app does not have: its page's own requests (an event stream) would land in the figures late.
    await enterDemoApp(page, "dashboard-test/missing-entry");
    const sent = { ok: 0, notFound: 1, unavailable: 0 };
    for (let i = 0; i < 12; i++) {
      expect(await statusOfFetch(page, `${app}${i % 3 === 0 ? "api/messages" : ""}`)).toBe(200);
      sent.ok++;
    }
    for (let i = 0; i < 4; i++) {
      expect(await statusOfFetch(page, `${app}dashboard-test/missing-${i}`)).toBe(404);
      sent.notFound++;
    }
    // Refused while stopped, the owner's requests are still the deployment's traffic: 503s the error rate must show.
    const setStatus = (status: string) => page.request.patch(`/api/deployments/${deploymentId}`, { data: { status } });
    expect((await setStatus("stopped")).status()).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect(await statusOfFetch(page, app)).toBe(503);
      sent.unavailable++;
    }
    expect((await setStatus("running")).status()).toBe(200);

    // The recorder writes at least every second, and the rollups with the same batch.
    await expect
      .poll(
        async () => {
          const now = await figures(client, deploymentId);
          return [now.logged - before.logged >= sent.ok + sent.notFound + sent.unavailable, now.requests === now.logged];
        },
        { timeout: 15_000 },
      )
      .toEqual([true, true]);
    const stored = await figures(client, deploymentId);
    expect(stored.status5xx).toBeGreaterThanOrEqual(sent.unavailable);

    await page.goto("/dashboard");
    await openDemoDeployment(page);
    await page.getByRole("navigation", { name: "Time range" }).getByRole("link", { name: "1h" }).click();
    await expect(page).toHaveURL(/range=1h/);

    // The demo started on an empty database moments ago, so the last hour holds every stored row.
    await expect(page.getByTestId("stat-requests")).toHaveAttribute("data-value", String(stored.requests));
    await expect(page.getByTestId("stat-requests").locator(".stat-value")).toHaveText(formatCount(stored.requests));
    await expect(page.getByTestId("stat-error-rate").locator(".stat-value")).toHaveText(formatPercent(stored.status5xx / stored.requests));
    await expect(page.getByTestId("stat-p95").locator(".stat-value")).toHaveText(formatMs(percentileFromBuckets(stored.histogram, 0.95)));
    await expect(page.getByTestId("chart-requests")).toBeVisible();
    await expect(page.getByTestId("breakdown-status").locator('tr[data-value="404"] td[data-requests]')).toHaveAttribute(
      "data-requests",
      String(stored.notFound),
    );
    await expect(page.getByTestId("breakdown-path").locator('tr[data-value="/dashboard-test/missing-0"]')).toBeVisible();

    // Filtering is a GET form: the filtered view has its own URL, and shows only what matches.
    const recent = page.getByTestId("recent-requests");
    await recent.getByLabel("Status code or class").fill("4xx");
    await recent.getByLabel("Path prefix").fill("/dashboard-test/");
    await recent.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/status=4xx/);
    await expect(recent.locator("tbody tr")).toHaveCount(sent.notFound);
    for (const cell of await recent.locator("tbody .cell-status").allTextContents()) expect(cell).toBe("404");
    for (const cell of await recent.locator("tbody .cell-via").allTextContents()) expect(cell).toBe("App origin");

    await recent.getByLabel("Method").selectOption("POST");
    await recent.getByRole("button", { name: "Filter" }).click();
    await expect(recent.getByRole("heading", { name: "No requests match these filters" })).toBeVisible();
    await recent.getByRole("link", { name: "Clear" }).click();
    await expect(recent.locator("tbody tr")).toHaveCount(Math.min(25, stored.logged));

    // Nonsense in the URL falls back to the defaults instead of failing the page.
    await page.goto(`${new URL(page.url()).pathname}?range=forever&status=abc&method=BREW&before=x`);
    await expect(page.getByRole("navigation", { name: "Time range" }).getByRole("link", { name: "24h" })).toHaveAttribute("aria-current", "page");

    await page.goto(`${new URL(page.url()).pathname}?range=1h`);
    await expect(page.getByTestId("chart-latency").locator(".recharts-surface").first()).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("dashboard-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId("stats")).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, "the phone layout scrolls sideways").toBe(0);
    await page.screenshot({ path: testInfo.outputPath("dashboard-phone.png"), fullPage: true });
    await page.goto("/dashboard");
    await expect(page.locator('tr[data-deployment="demo-app"] [data-testid="overview-requests"]')).toHaveText(formatCount(stored.requests));
    await page.screenshot({ path: testInfo.outputPath("overview-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: testInfo.outputPath("overview-desktop.png"), fullPage: true });
    expect(violations, "the hub's pages run within their Content-Security-Policy").toEqual([]);
    for (const name of ["dashboard-desktop", "dashboard-phone", "overview-desktop", "overview-phone"]) {
      await testInfo.attach(name, { path: testInfo.outputPath(`${name}.png`), contentType: "image/png" });
    }
  } finally {
    await client.end();
  }
});
