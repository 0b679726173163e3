import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client.ts";

const globalForDatabase = globalThis as unknown as { gatehousePool?: pg.Pool; gatehousePrisma?: PrismaClient };

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start` or `npm run dev`, which provide the embedded database.");
  return url;
}

/**
 * The process's one connection pool. Prisma queries through it, and the request log's batch writes use it
 * directly: one fixed-shape statement per table costs a fraction of what an ORM insert of 500 rows does.
 */
export function pool(): pg.Pool {
  if (!globalForDatabase.gatehousePool) {
    globalForDatabase.gatehousePool = new pg.Pool({ connectionString: databaseUrl(), max: 10 });
    // An idle connection the server closes (a restart, a failover) is dropped from the pool and replaced
    // on next use; without a listener the event would end the process.
    globalForDatabase.gatehousePool.on("error", (error) => console.warn(`[gatehouse] database connection lost: ${error.message}`));
  }
  return globalForDatabase.gatehousePool;
}

/** One Prisma client per process; Next's dev reloads would otherwise open a pool per reload. */
export function db(): PrismaClient {
  globalForDatabase.gatehousePrisma ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return globalForDatabase.gatehousePrisma;
}

/** For scripts and shutdown: Prisma does not end a pool it was handed. */
export async function closeDatabase(): Promise<void> {
  await globalForDatabase.gatehousePrisma?.$disconnect();
  await globalForDatabase.gatehousePool?.end();
  globalForDatabase.gatehousePrisma = undefined;
  globalForDatabase.gatehousePool = undefined;
}
