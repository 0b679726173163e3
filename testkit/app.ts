import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { waitFor } from "./wait";

const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

export const testSecret = "gatehouse-test-secret-0123456789abcdef0123456789";
export const testMetricsToken = "gatehouse-test-metrics-token";

/** Environment variables for an app; `undefined` leaves the inherited value, "" clears it. */
export type AppEnv = Record<string, string | undefined>;

/** A loopback port nothing listens on (until something does): connections to it are refused. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
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

export interface StartOptions {
  /** How long the app may take to serve (default 60 s; `next dev` wants more). */
  timeoutMs?: number;
  /** For the server's node process (tsx passes them on), for flags NODE_OPTIONS refuses, such as --cpu-prof. */
  nodeFlags?: string[];
  /** For server.ts itself (`--dev`). */
  serverArgs?: string[];
}

/** The environment every app the tests start shares (timeouts short enough to test). */
export function appEnvironment(overrides: AppEnv): NodeJS.ProcessEnv {
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
    // Every test signs in and is refused from this address; accounts.test.ts and gateway-abuse.test.ts set their own limits.
    AUTH_RATE_LIMIT_ADDRESS: "100000/1m",
    GATEWAY_RATE_LIMIT_ANONYMOUS: "100000/1m",
    AUTH_RATE_LIMIT_ACCOUNT: "100000/1m",
    SIGNUP_RATE_LIMIT_ADDRESS: "100000/1m",
    // Stopping an app need not wait for a load balancer that is not there (shutdown.test.ts tests the delay).
    SHUTDOWN_READINESS_DELAY_MS: "0",
    ...overrides,
  };
}

interface Spawned {
  child: ChildProcess;
  exit: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Both streams, interleaved as the process wrote them. */
  output(): string;
}

/** A tsx script of the project's own in a child process, its output collected. */
function spawnTsx(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(tsx, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let output = "";
  child.stdout!.on("data", (chunk) => {
    stdout += chunk;
    output += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
    output += chunk;
  });
  const exit = once(child, "exit").then(([code]) => code as number | null);
  return { child, exit, stdout: () => stdout, stderr: () => stderr, output: () => output };
}

/** Production servers require their public URL; a test's app is reached at its loopback address unless the test says otherwise. */
const publicUrlFor = (port: number): AppEnv => ({ GATEHOUSE_PUBLIC_URL: `http://127.0.0.1:${port}` });

/** Starts `server.ts` (the production build must exist) and waits until it serves, or until it exits. */
export async function startApp(env: AppEnv, { timeoutMs = 60_000, nodeFlags = [], serverArgs = [] }: StartOptions = {}): Promise<RunningApp> {
  // A test that must know the port before start-up (for GATEHOUSE_PUBLIC_URL) chooses it.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const { child, exit, output } = spawnTsx([...nodeFlags, "server.ts", ...serverArgs], appEnvironment({ ...publicUrlFor(port), ...env, PORT: String(port) }));
  const app: RunningApp = {
    url: `http://127.0.0.1:${port}`,
    process: child,
    exit,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exit;
    },
  };
  const serving = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`The app exited with ${child.exitCode} before serving:\n${output()}`);
      return /listening on/.test(output());
    },
    { timeoutMs, intervalMs: 100 },
  );
  if (serving) return app;
  await app.stop();
  throw new Error(`The app did not start within ${timeoutMs} ms:\n${output()}`);
}

/** Runs the server and waits for it to exit by itself (for start-up refusals). */
export async function runAppUntilExit(env: AppEnv): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const { child, exit, output } = spawnTsx(["server.ts"], appEnvironment({ PORT: String(port), ...publicUrlFor(port), ...env }));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await exit;
  clearTimeout(timer);
  return { code, output: output() };
}

/** Runs the operator CLI with the given environment. */
export async function runCli(args: string[], env: AppEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { exit, stdout, stderr } = spawnTsx(["scripts/cli.ts", ...args], appEnvironment(env));
  const code = await exit;
  return { code, stdout: stdout(), stderr: stderr() };
}
