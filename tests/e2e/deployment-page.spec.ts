import { expect, test } from "@playwright/test";
import { openDemoDeployment, signInToDashboard } from "@/testkit/browser";

test("the owner opens a deployment's page, sees its circuit, and sets its rate limit and CORS origins", async ({ page }, testInfo) => {
  await signInToDashboard(page);
  await openDemoDeployment(page);
  await expect(page.locator("[data-circuit]")).toHaveText("Healthy");

  await page.locator("#rateLimit").fill("120/1m");
  await page.locator("#algorithm").selectOption("token");
  await page.locator("#burst").fill("30");
  await page.locator("#corsOrigins").fill("https://app.example.com\nhttps://other.example.com");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status")).toContainText("Saved");

  await page.reload();
  await expect(page.locator("#rateLimit")).toHaveValue("120/60s");
  await expect(page.locator("#algorithm")).toHaveValue("token");
  await expect(page.locator("#burst")).toHaveValue("30");
  await expect(page.locator("#corsOrigins")).toHaveValue("https://app.example.com\nhttps://other.example.com");

  await page.locator("#rateLimit").fill("lots");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.locator(".alert-error")).toContainText("300/60s");

  // Back to the defaults, so the other tests see the demo as `npm run demo` leaves it.
  await page.locator("#rateLimit").fill("");
  await page.locator("#burst").fill("");
  await page.locator("#algorithm").selectOption("sliding");
  await page.locator("#corsOrigins").fill("");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status")).toContainText("Saved");

  await page.screenshot({ path: testInfo.outputPath("deployment-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath("deployment-phone.png"), fullPage: true });
  await page.goto("/dashboard");
  await page.screenshot({ path: testInfo.outputPath("dashboard-phone.png"), fullPage: true });
});
