import { closeDatabase } from "@/lib/db";
import { testSecret } from "@/testkit/app";
import { type Harness, type HarnessOptions, harness, type Upstream } from "@/testkit/harness";
import { createScratchDatabase, postgresAdminUrl } from "@/testkit/scratch-database";

/**
 * Runs a bench against the built app on a scratch PostgreSQL database of its own (BENCH_POSTGRES_URL,
 * default the local server): sets both up, hands `measure` the harness, undoes everything last first,
 * and exits 0, or 1 on an error.
 */
export function benchOnScratchApp<U extends Upstream | null>(
  databaseName: string,
  options: HarnessOptions<U>,
  measure: (h: Harness<U>) => Promise<void>,
): void {
  const cleanups: (() => unknown)[] = [];
  const teardown = { after: (fn: () => unknown) => void cleanups.push(fn) };
  const run = async () => {
    try {
      const database = await createScratchDatabase(databaseName, { adminUrl: process.env.BENCH_POSTGRES_URL ?? postgresAdminUrl(), migrate: true });
      cleanups.push(() => database.drop());
      Object.assign(process.env, { DATABASE_URL: database.url, NEXTAUTH_SECRET: testSecret, NEXT_TELEMETRY_DISABLED: "1" });
      cleanups.push(() => closeDatabase());
      console.error("… starting the app");
      await measure(await harness(teardown, options));
    } finally {
      for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) await Promise.resolve(undo()).catch(() => undefined);
    }
  };
  run().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
