import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { configuredDatabaseUrl } from "@/lib/config";
import { PrismaClient } from "@/lib/generated/prisma/client.ts";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** The process's database handles, shared by server.ts's modules and Next's bundle. */
const handles = processSingleton("database", () => ({
  embeddedUrl: undefined as string | undefined,
  pool: undefined as pg.Pool | undefined,
  prisma: undefined as PrismaClient | undefined,
}));

/** Start-up calls this when the process uses the embedded database (its own, or another process's socket). */
export function connectToEmbeddedDatabase(url: string): void {
  handles().embeddedUrl = url;
}

/** DATABASE_URL when configured, else the embedded database start-up found. */
function databaseUrl(): string {
  const url = configuredDatabaseUrl() ?? handles().embeddedUrl;
  if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start` or `npm run dev`, which provide the embedded database.");
  return url;
}

/**
 * The process's one connection pool. Prisma queries through it, and the request log's batch writes use it
 * directly: one fixed-shape statement per table costs a fraction of what an ORM insert of 500 rows does.
 */
export function pool(): pg.Pool {
  const database = handles();
  if (!database.pool) {
    const created = new pg.Pool({ connectionString: databaseUrl(), max: 10 });
    // An idle connection the server closes (a restart, a failover) is dropped from the pool and replaced
    // on next use; without a listener the event would end the process.
    created.on("error", (error) => console.warn(`[gatehouse] database connection lost: ${error.message}`));
    database.pool = created;
  }
  return database.pool;
}

/** One Prisma client per process; Next's dev reloads would otherwise open a pool per reload. */
export function db(): PrismaClient {
  const database = handles();
  database.prisma ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return database.prisma;
}

/** For scripts and shutdown: Prisma does not end a pool it was handed. */
export async function closeDatabase(): Promise<void> {
  const database = handles();
  await database.prisma?.$disconnect();
  await database.pool?.end();
  database.prisma = undefined;
  database.pool = undefined;
}
