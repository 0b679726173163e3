import pg from "pg";
import { applyMigrations } from "@/lib/database/migrations";

/** The PostgreSQL server scratch databases are made on: TEST_POSTGRES_URL, or the local server. */
export function postgresAdminUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drops the database, closing whatever is still connected to it. */
  drop(): Promise<void>;
}

async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A database of its own on the shared server, named `{prefix}_{pid}_{time}`; migrated when `migrate` is
 * set. Whoever creates one drops it (`drop`, or `withScratchDatabase` that does it for them).
 */
export async function createScratchDatabase(
  prefix: string,
  { migrate = false, adminUrl = postgresAdminUrl() }: { migrate?: boolean; adminUrl?: string } = {},
): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await asAdmin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = { name, url: url.toString(), drop: () => asAdmin(adminUrl, `drop database if exists ${name} with (force)`) };
  if (!migrate) return database;
  try {
    await applyMigrations(database.url);
    return database;
  } catch (error) {
    await database.drop().catch(() => undefined);
    throw error;
  }
}

/** Runs `use` with a scratch database's URL, and drops the database after, whatever happened. */
export async function withScratchDatabase<T>(
  prefix: string,
  use: (url: string) => Promise<T>,
  options: { migrate?: boolean; adminUrl?: string } = {},
): Promise<T> {
  const database = await createScratchDatabase(prefix, options);
  try {
    return await use(database.url);
  } finally {
    await database.drop();
  }
}
