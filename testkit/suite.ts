/**
 * What scripts/test.ts tells each integration test process about the pass it runs in (which database,
 * which gateway path, whether the app has Redis, the app's address), written and read only here.
 */
import type { AppEnv } from "./app";

export interface Pass {
  database: "postgres" | "embedded";
  /** The gateway's fast path in server.ts, or Next's route handler (`GATEWAY_FAST_PATH=false`). */
  gateway: "fast" | "route";
  /** Whether the app counts limits and shares circuits in Redis. */
  redis: boolean;
  /** Two instances behind a round-robin balancer (testkit/balancer.ts) instead of one app. */
  balanced: boolean;
}

/** The variables an integration pass's test process gets, besides the app's own environment. */
export function passEnvironment(pass: Pass, appUrl: string, databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    GATEHOUSE_TEST_APP_URL: appUrl,
    GATEHOUSE_TEST_DATABASE: pass.database,
    GATEHOUSE_TEST_GATEWAY_MODE: pass.gateway,
    GATEHOUSE_TEST_REDIS: pass.redis ? "true" : "false",
    GATEHOUSE_TEST_BALANCED: pass.balanced ? "true" : "false",
  };
}

/** The pass this process runs in, or undefined outside scripts/test.ts (unit tests, the bench). */
export function currentPass(): Pass | undefined {
  const {
    GATEHOUSE_TEST_DATABASE: database,
    GATEHOUSE_TEST_GATEWAY_MODE: gateway,
    GATEHOUSE_TEST_REDIS: redis,
    GATEHOUSE_TEST_BALANCED: balanced,
  } = process.env;
  if (!database || !gateway) return undefined;
  return { database: database as Pass["database"], gateway: gateway as Pass["gateway"], redis: redis === "true", balanced: balanced === "true" };
}

/** The app scripts/test.ts started for this pass; DATABASE_URL points at its database. */
export function suiteAppUrl(): string {
  const url = process.env.GATEHOUSE_TEST_APP_URL;
  if (!url || !process.env.DATABASE_URL) throw new Error("Run the integration tests through `npm test` (scripts/test.ts starts the app they need).");
  return url;
}

const describePass = (wanted: Partial<Pass>) =>
  [
    wanted.database && `on ${wanted.database}`,
    wanted.gateway && `through the ${wanted.gateway === "fast" ? "fast path" : "route handler"}`,
    !wanted.balanced && "on one instance",
  ]
    .filter(Boolean)
    .join(" ");

/**
 * The one skip predicate, for node:test's `skip` option: false when the current pass has everything in
 * `wanted`, else the reason. Tests that start processes of their own run once, on the PostgreSQL + Redis
 * fast-path pass (`{ database: "postgres", gateway: "fast" }`); what does not depend on how the gateway
 * is served runs once per database (`{ gateway: "fast" }`). None of them runs on the balanced pass
 * unless it says `balanced: true`: that pass is for the tests of the suite's app.
 */
export function skipUnless(wanted: Partial<Pass>): string | false {
  const pass = currentPass();
  const full: Partial<Pass> = { balanced: false, ...wanted };
  const mismatch = !pass || (Object.keys(full) as (keyof Pass)[]).some((key) => full[key] !== pass[key]);
  return mismatch ? `runs only ${describePass(wanted)}` : false;
}

/** The operator CLI's environment: on the embedded database it is given no DATABASE_URL, and must find the running app's database itself. */
export function cliEnvironment(): AppEnv {
  return currentPass()?.database === "embedded"
    ? { DATABASE_URL: "", GATEHOUSE_DATA_DIR: process.env.GATEHOUSE_DATA_DIR }
    : { DATABASE_URL: process.env.DATABASE_URL };
}
