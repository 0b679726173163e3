/**
 * The whole suite, as CI runs it: unit tests, then the integration tests against a production build
 * twice (PostgreSQL server, then the embedded PGlite database), then the Playwright tests.
 * Expects `npm run build` to have run (`npm test` does both).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { applyMigrations } from "@/lib/database/migrations";
import { appEnvironment, startApp } from "@/tests/support/app";

const adminUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
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

async function withPostgresDatabase<T>(use: (url: string) => Promise<T>): Promise<T> {
  const name = `gatehouse_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await use(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function integration(
  label: string,
  database: "postgres" | "embedded",
  env: Record<string, string>,
  databaseUrl: () => Promise<string>,
): Promise<boolean> {
  console.log(`\n=== integration tests on ${label} ===`);
  const app = await startApp(env);
  try {
    const passed = await nodeTest(
      await testFiles("integration"),
      appEnvironment({
        ...env,
        DATABASE_URL: await databaseUrl(),
        GATEHOUSE_TEST_APP_URL: app.url,
        GATEHOUSE_TEST_GATEWAY_MODE: env.GATEWAY_FAST_PATH === "false" ? "route" : "fast",
        GATEHOUSE_TEST_DATABASE: database,
        GATEHOUSE_TEST_ADMIN_URL: adminUrl,
        GATEHOUSE_TEST_REDIS_URL: redisUrl,
      }),
    );
    if (!passed) console.log(`\n--- the app's output (last 60 lines) ---\n${app.output().split("\n").slice(-60).join("\n")}`);
    return passed;
  } finally {
    await app.stop();
  }
}

async function main(): Promise<number> {
  const results: Record<string, boolean> = {};
  if (!only || only === "unit") results.unit = await nodeTest(await testFiles("unit"), appEnvironment({}));

  if (!only || only === "postgres") {
    await withPostgresDatabase(async (url) => {
      await applyMigrations(url);
      results["integration (PostgreSQL + Redis, fast path)"] = await integration(
        "PostgreSQL + Redis, fast path",
        "postgres",
        { DATABASE_URL: url, REDIS_URL: redisUrl },
        async () => url,
      );
      results["integration (PostgreSQL, route handler)"] = await integration(
        "PostgreSQL, Next route handler",
        "postgres",
        { DATABASE_URL: url, GATEWAY_FAST_PATH: "false" },
        async () => url,
      );
    });
  }

  if (!only || only === "embedded") {
    const dataDir = await mkdtemp(path.join(tmpdir(), "gatehouse-embedded-"));
    try {
      results["integration (embedded PGlite, fast path)"] = await integration(
        "embedded PGlite, fast path",
        "embedded",
        { GATEHOUSE_DATA_DIR: dataDir, DATABASE_URL: "" },
        async () => {
          const port = (await readFile(path.join(dataDir, "pglite.port"), "utf8")).trim();
          return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
        },
      );
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
