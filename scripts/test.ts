/**
 * The whole suite, as CI runs it: unit tests, then the integration tests against a production build
 * in four passes (PostgreSQL server with Redis through the fast path; the gateway's tests again against
 * two such instances behind a round-robin balancer; the same database through Next's route handler; then
 * the embedded PGlite database), then the Playwright tests.
 * Expects `npm run build` to have run (`npm test` does both). `npx tsx scripts/test.ts unit|postgres|embedded|e2e`
 * runs one part; TEST_FILTER (a substring of the file name) narrows the unit and integration files, and
 * TEST_PASS (a substring of a pass's name, such as "balancer") the PostgreSQL passes.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AppEnv, appEnvironment, freePort, type RunningApp, startApp } from "@/testkit/app";
import { RoundRobinBalancer } from "@/testkit/balancer";
import { withScratchDatabase } from "@/testkit/scratch-database";
import { type Pass, passEnvironment } from "@/testkit/suite";

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const only = process.argv[2];

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  const child = spawn(command, args, { stdio: "inherit", env });
  const [code] = await once(child, "exit");
  return code === 0;
}

/** Test files of a folder; TEST_FILTER (a substring of the file name) narrows a run while working on one area. */
async function testFiles(folder: string): Promise<string[]> {
  const filter = process.env.TEST_FILTER ?? "";
  return (await readdir(path.join("tests", folder)))
    .filter((file) => file.endsWith(".test.ts") && file.includes(filter))
    .sort()
    .map((file) => path.join("tests", folder, file));
}

const nodeTest = (files: string[], env?: NodeJS.ProcessEnv) =>
  run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-timeout=300000", ...files], env);

/** One integration pass: what it is called, how its app is configured, and where the tests find its database. */
interface IntegrationPass extends Pass {
  name: string;
  app: AppEnv;
  databaseUrl(): Promise<string>;
  /** Only the integration files whose names contain one of these (all by default). */
  files?: string[];
}

/** The pass's app: one instance, or two behind a round-robin balancer whose address is their public URL. */
async function startPassApp(pass: IntegrationPass): Promise<{ url: string; apps: RunningApp[]; stop(): Promise<unknown> }> {
  if (!pass.balanced) {
    const app = await startApp(pass.app);
    return { url: app.url, apps: [app], stop: () => app.stop() };
  }
  const ports = [await freePort(), await freePort()];
  const balancer = await RoundRobinBalancer.start(ports.map((port) => `http://127.0.0.1:${port}`));
  const started = await Promise.allSettled(ports.map((port) => startApp({ ...pass.app, PORT: String(port), GATEHOUSE_PUBLIC_URL: balancer.url })));
  const apps = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = () => Promise.all([balancer.stop(), ...apps.map((app) => app.stop())]);
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { url: balancer.url, apps, stop };
}

async function integration(pass: IntegrationPass): Promise<boolean> {
  console.log(`\n=== integration tests on ${pass.name} ===`);
  const served = await startPassApp(pass);
  try {
    const files = (await testFiles("integration")).filter((file) => !pass.files || pass.files.some((name) => path.basename(file).includes(name)));
    const passed = await nodeTest(files, appEnvironment({ ...pass.app, ...passEnvironment(pass, served.url, await pass.databaseUrl()) }));
    if (!passed) for (const app of served.apps) console.log(`\n--- the app's output (last 60 lines) ---\n${app.output().split("\n").slice(-60).join("\n")}`);
    return passed;
  } finally {
    await served.stop();
  }
}

/** The passes on the PostgreSQL server, sharing one scratch database. */
const postgresPasses = (url: string): IntegrationPass[] => [
  {
    name: "PostgreSQL + Redis, fast path",
    database: "postgres",
    gateway: "fast",
    redis: true,
    balanced: false,
    app: { DATABASE_URL: url, REDIS_URL: redisUrl },
    databaseUrl: async () => url,
  },
  {
    // Limits, sessions, tokens and changes hold across instances: the gateway's own tests, each request to the next instance.
    // (Breaker streaks are counted per instance; instances.test.ts shows the state they open is shared.)
    name: "PostgreSQL + Redis, two instances behind a round-robin balancer",
    database: "postgres",
    gateway: "fast",
    redis: true,
    balanced: true,
    app: { DATABASE_URL: url, REDIS_URL: redisUrl },
    databaseUrl: async () => url,
    files: ["gateway.test", "rate-limit.test", "api-tokens.test", "websocket.test", "mcp.test"],
  },
  {
    name: "PostgreSQL, Next route handler",
    database: "postgres",
    gateway: "route",
    redis: false,
    balanced: false,
    app: { DATABASE_URL: url, GATEWAY_FAST_PATH: "false" },
    databaseUrl: async () => url,
  },
];

/** The pass on the embedded database, which the app opens in `dataDir` and serves on a port of its choosing. */
const embeddedPass = (dataDir: string): IntegrationPass => ({
  name: "embedded PGlite, fast path",
  database: "embedded",
  gateway: "fast",
  redis: false,
  balanced: false,
  app: { GATEHOUSE_DATA_DIR: dataDir, DATABASE_URL: "" },
  databaseUrl: async () => {
    const port = (await readFile(path.join(dataDir, "pglite.port"), "utf8")).trim();
    return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  },
});

async function main(): Promise<number> {
  const results: Record<string, boolean> = {};
  if (!only || only === "unit") results.unit = await nodeTest(await testFiles("unit"), appEnvironment({}));

  if (!only || only === "postgres") {
    await withScratchDatabase(
      // Another name lets a second checkout run its suite beside this one on the same server.
      process.env.TEST_DATABASE_NAME ?? "gatehouse_test",
      async (url) => {
        for (const pass of postgresPasses(url).filter((pass) => pass.name.includes(process.env.TEST_PASS ?? "")))
          results[`integration (${pass.name})`] = await integration(pass);
      },
      { migrate: true },
    );
  }

  if (!only || only === "embedded") {
    const dataDir = await mkdtemp(path.join(tmpdir(), "gatehouse-embedded-"));
    try {
      const pass = embeddedPass(dataDir);
      results[`integration (${pass.name})`] = await integration(pass);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  if (!only || only === "e2e") results["e2e (Playwright)"] = await run(path.join("node_modules", ".bin", "playwright"), ["test"]);

  console.log("\n=== summary ===");
  for (const [name, ok] of Object.entries(results)) console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
  return Object.values(results).every(Boolean) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
