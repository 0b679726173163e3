import path from "node:path";
import { type BrowserContext, expect, type Page, type Request, test } from "@playwright/test";
import { demoAppUrl, demoGatewayPath } from "@/testkit/browser";

// The credentials `npm run demo` prints: the tests fail if it ever prints others.
const demoUser = { email: "demo@gatehouse.local", password: "gatehouse-demo" };
const heading = "Hello from behind the gateway";
const timeOfDay = /^\d{1,2}:\d{2}:\d{2}/;

async function signIn(page: Page): Promise<void> {
  await page.locator("#email").fill(demoUser.email);
  await page.locator("#password").fill(demoUser.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * Records what failed and what each path was served as, for every page of the context but `opener`:
 * the Gatehouse pages have traffic of their own (Next's prefetches, aborted when they are no longer needed).
 * Call it before `opener` makes its first request.
 */
function watchNetwork(context: BrowserContext, opener: Page) {
  const failures: string[] = [];
  const contentTypes = new Map<string, string>();
  // Not request.frame().page(): a new tab's first request is made before its frame exists.
  const fromOpener = new WeakSet<Request>();
  opener.on("request", (request) => fromOpener.add(request));
  context.on("requestfailed", (request) => {
    if (!fromOpener.has(request)) failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  context.on("response", (response) => {
    if (fromOpener.has(response.request())) return;
    contentTypes.set(new URL(response.url()).pathname, response.headers()["content-type"] ?? "");
    if (response.status() >= 400) failures.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
  });
  return { failures, contentTypes };
}

test("a signed-in user opens the demo app on its own origin from the dashboard, with every asset, the API and the event stream working", async ({
  page,
  context,
}, testInfo) => {
  const app = demoAppUrl();
  const userId = demoGatewayPath().split("/")[3];

  const network = watchNetwork(context, page);
  await page.goto("/signin");
  await signIn(page);
  await expect(page).toHaveURL("/dashboard");
  const link = page.locator('tr[data-deployment="demo-app"] [data-testid="app-link"] a');
  await expect(link).toHaveAttribute("href", app);

  // The dashboard opens app links in a new tab; the handoff signs it in on the app's origin.
  const [demo] = await Promise.all([context.waitForEvent("page"), link.click()]);
  await expect(demo).toHaveURL(app);
  const prefix = new URL(app).pathname;
  await expect(demo.getByRole("heading", { name: heading })).toBeVisible();
  await expect(demo.locator("#user-id")).toHaveText(userId);

  // Relative paths (style, script) and the one built from X-Forwarded-Prefix (logo) all resolved and applied.
  await expect(demo.locator(".hero")).toHaveCSS("display", "flex");
  await expect(demo.locator("img.logo")).toHaveJSProperty("naturalWidth", 64);
  for (const [asset, type] of [
    ["assets/style.css", "text/css"],
    ["assets/app.js", "text/javascript"],
    ["assets/logo.svg", "image/svg+xml"],
    ["api/messages", "application/json"],
  ]) {
    // The script fetches the messages after load: the response may not have arrived yet.
    await expect.poll(() => network.contentTypes.get(`${prefix}${asset}`), { message: asset }).toContain(type);
  }

  const input = demo.locator("#message-text");
  const post = demo.getByRole("button", { name: "Post" });
  const text = "Hello from the end-to-end test";
  await input.fill(text);
  await post.click();
  const posted = demo.locator("#messages li", { hasText: text });
  await expect(posted).toHaveCount(1);
  await expect(posted.locator(".meta")).toContainText("you");
  await expect(input).toHaveValue("");

  const clock = demo.locator("#clock");
  await expect(clock).toHaveText(timeOfDay);
  const firstTick = await clock.textContent();
  await expect(clock).not.toHaveText(firstTick ?? "");
  await expect(clock).toHaveText(timeOfDay);

  await demo.screenshot({ path: path.join(testInfo.project.outputDir, "demo.png"), fullPage: true });
  await demo.setViewportSize({ width: 390, height: 844 });
  await demo.screenshot({ path: path.join(testInfo.project.outputDir, "demo-phone.png"), fullPage: true });
  await demo.setViewportSize({ width: 1280, height: 800 });
  expect(network.failures).toEqual([]);

  // Blank text passes the input's `required`, so the app's own validation answers, and the page says why.
  await input.fill("   ");
  await post.click();
  await expect(demo.getByRole("alert")).toHaveText("The message is empty.");
});

test("the shared link, opened signed out, goes through sign-in to the same path and query on the app's origin", async ({ page }) => {
  const seed = `${demoGatewayPath()}?from=shared-link`;
  await page.goto(seed);
  await expect(page).toHaveURL(`/signin?callbackUrl=${encodeURIComponent(seed)}`);
  await signIn(page);
  await expect(page).toHaveURL(`${demoAppUrl()}?from=shared-link`);
  await expect(page.getByRole("heading", { name: heading })).toBeVisible();
});
