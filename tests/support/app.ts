import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

export const testSecret = "gatehouse-test-secret-0123456789abcdef0123456789";
export const testMetricsToken = "gatehouse-test-metrics-token";

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

export interface RunningApp {
  url: string;
  process: ChildProcess;
  /** Resolves with the exit code once the process has exited. */
  exit: Promise<number | null>;
  output(): string;
  stop(): Promise<number | null>;
}

/** The environment every app the tests start shares (timeouts short enough to test). */
export function appEnvironment(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXTAUTH_SECRET: testSecret,
    GATEWAY_HEADERS_TIMEOUT_MS: "2000",
    GATEWAY_COUNTRY_HEADER: "cf-ipcountry",
    METRICS_TOKEN: testMetricsToken,
    // A stalled machine must not turn a Redis answer into the failure policy's; redis-failure sets its own.
    GATEWAY_RATE_LIMIT_TIMEOUT_MS: "2000",
    // Short enough to watch every breaker transition within a test.
    GATEWAY_BREAKER_COOLDOWN_MS: "1000",
    GATEWAY_BREAKER_MAX_COOLDOWN_MS: "4000",
    // Alert rules evaluated and webhooks retried fast enough to watch an incident within a test.
    ALERTS_EVALUATION_INTERVAL_MS: "250",
    ALERTS_RULE_INTERVAL_MS: "500",
    ALERTS_WEBHOOK_RETRY_MS: "200",
    ALERTS_WEBHOOK_TIMEOUT_MS: "2000",
    // The tests' webhook receivers listen on loopback.
    ALERTS_WEBHOOK_ALLOW_INTERNAL: "true",
    HOST: "127.0.0.1",
    ...overrides,
  };
}

/**
 * Starts `server.ts` (the production build must exist) and waits until it serves, or until it exits.
 * `nodeFlags` go to the server's node process (tsx passes them on), for flags NODE_OPTIONS refuses, such as --cpu-prof;
 * `serverArgs` to server.ts itself (`--dev`).
 */
export async function startApp(
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
  nodeFlags: string[] = [],
  serverArgs: string[] = [],
): Promise<RunningApp> {
  const port = await freePort();
  const child = spawn(tsx, [...nodeFlags, "server.ts", ...serverArgs], {
    cwd: root,
    env: appEnvironment({ PORT: String(port), ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exit = once(child, "exit").then(([code]) => code as number | null);
  const app: RunningApp = {
    url: `http://127.0.0.1:${port}`,
    process: child,
    exit,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exit;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The app exited with ${child.exitCode} before serving:\n${output}`);
    if (/listening on/.test(output)) return app;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await app.stop();
  throw new Error(`The app did not start within ${timeoutMs} ms:\n${output}`);
}

/** Runs the server and waits for it to exit by itself (for start-up refusals). */
export async function runAppUntilExit(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const child = spawn(tsx, ["server.ts"], { cwd: root, env: appEnvironment({ PORT: String(await freePort()), ...env }), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code] = await once(child, "exit");
  clearTimeout(timer);
  return { code, output };
}

/** Runs the operator CLI with the given environment. */
export async function runCli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(tsx, ["scripts/cli.ts", ...args], { cwd: root, env: appEnvironment(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const [code] = await once(child, "exit");
  return { code, stdout, stderr };
}
