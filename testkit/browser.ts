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
