import { expect, test } from "@playwright/test";
import { demoGatewayPath, signInToDashboard } from "@/testkit/browser";

const port = Number(process.env.E2E_PORT ?? 3210);
const hub = `http://localhost:${port}`;

const callWith = (token: string) => fetch(`${hub}${demoGatewayPath()}`, { headers: { authorization: `Bearer ${token}` } });

test("a user makes an API token on the tokens page, sees it once, uses it, and revokes it; desktop and phone", async ({ page }, testInfo) => {
  await signInToDashboard(page);
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();

  const name = `e2e-${Date.now().toString(36)}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Expires").selectOption("30");
  await page.getByRole("checkbox", { name: "demo-app" }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = page.getByTestId("new-token-value");
  await expect(secret).toHaveText(/^ght_/);
  const token = (await secret.textContent()) ?? "";
  const row = page.locator(`tr[data-token="${name}"]`);
  await expect(row).toContainText(token.slice(0, 8));
  await expect(row).toContainText("demo-app");
  await expect(row).not.toContainText(token);
  expect((await callWith(token)).status).toBe(200);

  await page.screenshot({ path: testInfo.outputPath("tokens-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, "the phone layout scrolls sideways").toBe(0);
  await page.screenshot({ path: testInfo.outputPath("tokens-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Reloaded, the page no longer shows the secret; revoked, the token stops at once on this instance.
  await page.reload();
  await expect(page.getByTestId("new-token-value")).toHaveCount(0);
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await expect(row).toHaveCount(0);
  expect((await callWith(token)).status).toBe(401);
  for (const shot of ["tokens-desktop", "tokens-phone"]) await testInfo.attach(shot, { path: testInfo.outputPath(`${shot}.png`), contentType: "image/png" });
});
