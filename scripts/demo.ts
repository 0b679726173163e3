import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError } from "@/lib/config";
import { closeDatabase } from "@/lib/db";
import { createDeployment, type DeploymentView, listDeployments, updateDeployment } from "@/lib/deployments/service";
import { Problem } from "@/lib/http/problems";
import { prepareDatabase, prepareEnvironment, StartupError } from "@/lib/startup";
import { createUser, findUserByEmail } from "@/lib/users/accounts";
import { type DemoUpstream, startDemoUpstream } from "@/scripts/demo/upstream";

const demoUser = { email: "demo@gatehouse.local", password: "gatehouse-demo", name: "Demo user" };
const deploymentName = "demo-app";
const startupTimeoutMs = 120_000;

class DemoError extends Error {}

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.GATEHOUSE_DATA_DIR || ".data";
const listenHost = process.env.HOST ?? "0.0.0.0";
const probeUrl = `http://${listenHost === "0.0.0.0" || listenHost === "::" ? "127.0.0.1" : listenHost}:${port}/api/auth/csrf`;

/**
 * Isolated app origins with no DNS set-up: browsers and curl resolve every `*.localhost` name to this
 * machine. An explicit setting (even an empty GATEHOUSE_APPS_DOMAIN, for the same-origin mode) wins.
 */
process.env.GATEHOUSE_PUBLIC_URL ??= `http://localhost:${port}`;
process.env.GATEHOUSE_APPS_DOMAIN ??= "apps.localhost";
// No load balancer to tell: Ctrl-C stops the demo at once.
process.env.SHUTDOWN_READINESS_DELAY_MS ??= "0";

/** Whether anything answers HTTP there, whatever the status. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** `tsx server.ts`, as `npm start` runs it. */
function startApp(): ChildProcess {
  return spawn(process.execPath, [createRequire(import.meta.url).resolve("tsx/cli"), "server.ts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), GATEHOUSE_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "inherit", "inherit"],
    // In a process group of its own, the app hears only our SIGTERM. Otherwise Ctrl-C would reach it as
    // well, and the second signal would kill it in the middle of its shutdown, before it closed the database.
    detached: true,
  });
}

async function waitUntilAnswering(app: ChildProcess): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  while (running(app)) {
    if (await answers(probeUrl)) return;
    if (Date.now() > deadline) throw new DemoError(`Gatehouse did not answer on port ${port} within ${startupTimeoutMs / 1000} s.`);
    await sleep(250);
  }
  throw new DemoError("Gatehouse exited before it answered; its output above says why.");
}

/** The demo user and its deployment, created on the first run and pointed at this run's upstream after. */
async function provision(target: string): Promise<DeploymentView> {
  await prepareEnvironment();
  const embedded = await prepareDatabase({ shareRunning: true });
  try {
    if (!(await findUserByEmail(demoUser.email))) await createUser(demoUser);
    const existing = (await listDeployments({ owner: demoUser.email })).find((deployment) => deployment.name === deploymentName);
    return existing
      ? await updateDeployment({ id: existing.id, target, status: "running" })
      : await createDeployment({ owner: demoUser.email, name: deploymentName, target });
  } finally {
    await closeDatabase();
    await embedded?.stop();
  }
}

function announce(deployment: DeploymentView, upstream: DemoUpstream): void {
  const origin = new URL(deployment.gatewayUrl).origin;
  const appLine = deployment.appUrl ? [`  App URL      ${deployment.appUrl}`] : [];
  process.stdout.write(
    [
      "",
      "Gatehouse demo is ready.",
      "",
      `  Open         ${origin}/dashboard`,
      `  Email        ${demoUser.email}`,
      `  Password     ${demoUser.password}`,
      ...appLine,
      `  Gateway URL  ${deployment.gatewayUrl}`,
      "",
      `Sign in, then open ${deploymentName} from the dashboard, or go straight to ${deployment.appUrl ? "its app URL or " : ""}the gateway URL.`,
      `The demo app itself listens on ${upstream.url}. Ctrl-C stops both.`,
      "",
      "",
    ].join("\n"),
  );
}

function describe(error: unknown): string {
  if (error instanceof Problem) return error.detail;
  if (error instanceof DemoError || error instanceof ConfigError || error instanceof StartupError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function main(): Promise<void> {
  // The app would fail to listen, but this probe could meet the other server first and take it for ours.
  if (await answers(probeUrl)) throw new DemoError(`Something already answers on port ${port}. Stop it, or set PORT to a free port.`);

  const upstream = await startDemoUpstream();
  // Started before prepareEnvironment() changes our environment: the app derives its own settings.
  const app = startApp();
  // Only a crash gets here with the app still running: a detached child would outlive us.
  process.on("exit", () => {
    if (running(app)) app.kill("SIGTERM");
  });

  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      if (running(app)) {
        app.kill("SIGTERM");
        await once(app, "exit");
      }
      await upstream.close();
      process.exit(code);
    })();
    return stopping;
  };
  // Not `once`: a second Ctrl-C while the app shuts down must not end us before it has.
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  app.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`Gatehouse exited unexpectedly (${signal ?? `code ${code}`}).`);
    void stop(1);
  });

  try {
    await waitUntilAnswering(app);
    const deployment = await provision(upstream.url);
    // The app caches deployments for a few seconds, but it started moments ago and nobody has used the
    // gateway yet, so no stale target (from an earlier run) can be in its cache: the links work now.
    announce(deployment, upstream);
  } catch (error) {
    if (stopping) return;
    console.error(describe(error));
    await stop(1);
  }
}

main().catch((error: unknown) => {
  console.error(describe(error));
  process.exit(1);
});
