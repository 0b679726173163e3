import { defineConfig } from "@playwright/test";

// E2E_PORT lets two checkouts run their browser tests side by side.
const port = Number(process.env.E2E_PORT ?? 3210);
// A database of its own, emptied before each run, so the demo provisions everything from scratch.
const dataDir = `.data/e2e-${port}`;

export default defineConfig({
  testDir: "tests/e2e",
  // One demo server and its one in-memory guestbook serve every test.
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  reporter: "list",
  timeout: 60_000,
  use: {
    // The demo's GATEHOUSE_PUBLIC_URL: its app origins are {deployment}.apps.localhost on this port.
    baseURL: `http://localhost:${port}`,
    browserName: "chromium",
    // Playwright cannot download its browsers on these machines; the system Chromium stands in.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
    trace: "retain-on-failure",
  },
  webServer: {
    // Not `npm run demo`: the build is done before the tests run, and the demo serves it.
    command: `rm -rf ${dataDir} && tsx scripts/demo.ts`,
    // Alert rules evaluated within a second, so a test sees one fire without waiting a minute.
    env: {
      PORT: String(port),
      GATEHOUSE_DATA_DIR: dataDir,
      NEXT_TELEMETRY_DISABLED: "1",
      ALERTS_EVALUATION_INTERVAL_MS: "300",
      ALERTS_RULE_INTERVAL_MS: "500",
    },
    // Ready means provisioned, not merely listening: the app answers before the demo user exists.
    wait: { stdout: /App URL\s+(?<demo_app_url>\S+)\s+Gateway URL\s+(?<demo_gateway_url>\S+)/ },
    reuseExistingServer: false,
    timeout: 120_000,
    // The demo stops the app and its embedded database on SIGTERM; the default SIGKILL would skip that.
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
  },
});
