import { expect, type Page, test } from "@playwright/test";
import { openDemoDeployment, signInToDashboard } from "@/testkit/browser";

/** Reloads until `check` passes: the rule is evaluated in the background, not in answer to the page. */
async function reloadUntil(page: Page, check: () => Promise<void>): Promise<void> {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 20_000, intervals: [500] });
}

let demoDeploymentId: string | undefined;

// The other browser tests use the demo deployment: a failure midway must not leave it stopped, or with rules.
test.afterEach(async ({ page }) => {
  if (!demoDeploymentId) return;
  await page.request.patch(`/api/deployments/${demoDeploymentId}`, { data: { status: "running" } });
  const rules = (await (await page.request.get(`/api/deployments/${demoDeploymentId}/alerts`)).json()) as { id: string }[];
  for (const rule of rules) await page.request.delete(`/api/deployments/${demoDeploymentId}/alerts/${rule.id}`);
});

test("the owner creates an alert rule, stops the deployment, and sees the rule fire with an unread notification", async ({ page }, testInfo) => {
  await signInToDashboard(page);
  await expect(page.getByTestId("unread-count")).toHaveCount(0);
  await openDemoDeployment(page);
  demoDeploymentId = new URL(page.url()).pathname.split("/").pop();
  await expect(page.getByTestId("alerts-panel")).toContainText("No alert rules yet");

  // A webhook rule shows its signing secret once; the not_running rule is the one this test trips.
  await page.locator("#alert-kind").selectOption("error_rate");
  await page.locator("#alert-threshold").fill("50");
  await page.locator("#alert-window").fill("10");
  await page.locator("#alert-webhook").fill("ftp://hooks.example.com/x");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.locator(".alert-rule-form .alert-error")).toContainText("webhookUrl: must be an http(s) URL");
  await page.locator("#alert-webhook").fill("http://127.0.0.1:9/hook");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.locator(".alert-rule-form .alert-error")).toContainText("webhookUrl: must reach a public address");
  await page.locator("#alert-webhook").fill("https://hooks.example.com/gatehouse");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveText(/^whsec_/);
  await expect(page.locator('tr[data-rule="error_rate"]')).toContainText("above 50 % over 10 min");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: testInfo.outputPath("alerts-panel-desktop.png"), fullPage: true });

  // Editing keeps the rule: a bad threshold is refused in place, a good one and no webhook are saved.
  await page.getByRole("button", { name: "Done" }).click();
  const errorRate = page.locator('tr[data-rule="error_rate"]');
  await errorRate.getByRole("button", { name: "Edit" }).click();
  const editor = page.getByRole("form", { name: "Edit Error rate rule" });
  await expect(editor.getByLabel("Webhook URL (optional)")).toHaveValue("https://hooks.example.com/gatehouse");
  await editor.getByLabel("Is above (%)").fill("150");
  await editor.evaluate((form: HTMLFormElement) => (form.noValidate = true));
  await editor.getByRole("button", { name: "Save rule" }).click();
  await expect(editor.locator(".alert-error")).toContainText("threshold: is a percentage: 0 to 100");
  await page.screenshot({ path: testInfo.outputPath("alert-rule-editor-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath("alert-rule-editor-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await editor.getByLabel("Is above (%)").fill("75");
  await editor.getByLabel("Webhook URL (optional)").fill("");
  await editor.getByRole("button", { name: "Save rule" }).click();
  await expect(editor).toHaveCount(0);
  await expect(errorRate).toContainText("above 75 % over 10 min");
  await expect(errorRate).toContainText("in-app only");

  await page.locator("#alert-kind").selectOption("not_running");
  await expect(page.locator("#alert-threshold")).toHaveCount(0);
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.locator('tr[data-rule="not_running"]')).toBeVisible();
  await reloadUntil(page, () => expect(page.locator('tr[data-rule="not_running"] [data-state]')).toHaveText("ok"));

  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.locator(".badge-stopped").first()).toBeVisible();
  await reloadUntil(page, () => expect(page.locator('tr[data-rule="not_running"] [data-state]')).toHaveText("firing"));
  // By role, which sees only what is shown: while a reload streams in, the page's next copy waits hidden in the DOM.
  await expect(page.getByRole("link", { name: "Alerts, 1 unread" })).toBeVisible();
  await expect(page.getByTestId("events").locator("tr", { hasText: "Alert: Not running" })).toContainText("ok → firing");
  await page.screenshot({ path: testInfo.outputPath("alerts-firing-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath("alerts-firing-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByRole("link", { name: /Alerts, 1 unread/ }).click();
  await expect(page.getByRole("heading", { name: "Alerts" })).toBeVisible();
  const notification = page.locator('[data-testid="notifications"] li').first();
  await expect(notification).toContainText("demo-app: deployment is not running");
  await expect(notification).toHaveAttribute("data-read", "false");
  await page.screenshot({ path: testInfo.outputPath("notifications-desktop.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath("notifications-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole("button", { name: "Mark all read" }).click();
  await expect(page.getByTestId("unread-count")).toHaveCount(0);
  await expect(notification).toHaveAttribute("data-read", "true");

  // Back to how the demo started, for the other tests: running, no rules.
  await notification.getByRole("link", { name: "demo-app" }).click();
  await page.getByRole("button", { name: "Start" }).click();
  await reloadUntil(page, () => expect(page.locator('tr[data-rule="not_running"] [data-state]')).toHaveText("ok"));
  for (const kind of ["not_running", "error_rate"]) {
    await page.locator(`tr[data-rule="${kind}"]`).getByRole("button", { name: "Delete" }).click();
    await expect(page.locator(`tr[data-rule="${kind}"]`)).toHaveCount(0);
  }
  await expect(page.getByTestId("alerts-panel")).toContainText("No alert rules yet");
});
