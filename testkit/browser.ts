import { expect, type Page } from "@playwright/test";

/** The user `npm run demo` provisions, which the browser tests sign in as. */
const demoUser = { email: "demo@gatehouse.local", password: "gatehouse-demo" };

/** Signs in through the form and lands on the deployments overview. */
export async function signInToDashboard(page: Page): Promise<void> {
  await page.goto("/signin?callbackUrl=%2Fdashboard");
  await page.locator("#email").fill(demoUser.email);
  await page.locator("#password").fill(demoUser.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Deployments" })).toBeVisible();
}

/** From the overview, opens the demo deployment's own page. */
export async function openDemoDeployment(page: Page): Promise<void> {
  await page.locator('tr[data-deployment="demo-app"] .deployment-name a').click();
  await expect(page.getByRole("heading", { name: "demo-app" })).toBeVisible();
}

/** A URL the demo printed once provisioned; playwright.config.ts captures them from its output. */
function demoUrl(variable: "DEMO_APP_URL" | "DEMO_GATEWAY_URL"): URL {
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} is unset: run these tests with playwright.config.ts, whose webServer starts the demo.`);
  return new URL(url);
}

/** The demo deployment's own origin, with a trailing slash: `http://{id}.apps.localhost:{port}/`. */
export const demoAppUrl = () => demoUrl("DEMO_APP_URL").toString();

/** The demo deployment's gateway path on the hub (the link users share), with a trailing slash. */
export const demoGatewayPath = () => demoUrl("DEMO_GATEWAY_URL").pathname;

/** Opens `path` of the demo app on its own origin (through the handoff), so the context holds its app session. */
export async function enterDemoApp(page: Page, path = ""): Promise<void> {
  await page.goto(`${demoAppUrl()}${path}`);
  await expect(page).toHaveURL(`${demoAppUrl()}${path}`);
}

/**
 * The status of a `fetch` the page makes from its own origin: app origins are `*.localhost` names, which
 * only the browser resolves (Node's resolver, behind `page.request`, does not).
 */
export function statusOfFetch(page: Page, url: string): Promise<number> {
  return page.evaluate(async (target) => (await fetch(target)).status, url);
}

/** What the browser refused under a Content-Security-Policy on this page, from now on: the hub's pages must cause none. */
export function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}
