import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const migrationsDir = path.join(process.cwd(), "prisma", "migrations");

async function committedMigrations(): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Something that runs a query: a client, or the pool. */
type Queryable = Pick<pg.Pool, "query">;

/** Migrations in `prisma/migrations` that the database behind `db` has not applied yet. */
export async function pendingMigrationsIn(db: Queryable): Promise<string[]> {
  const table = await db.query(`select to_regclass('public._prisma_migrations') as name`);
  const applied = new Set<string>();
  if (table.rows[0].name) {
    const rows = await db.query(`select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null`);
    for (const row of rows.rows) applied.add(row.migration_name);
  }
  return (await committedMigrations()).filter((name) => !applied.has(name));
}

/** Migrations the database at `url` has not applied yet, over a connection of its own (before the pool exists). */
export async function pendingMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await pendingMigrationsIn(client);
  } finally {
    await client.end();
  }
}

/** Runs `prisma migrate deploy` against `url` (the js schema engine: nothing is downloaded). */
export async function applyMigrations(url: string): Promise<void> {
  const prismaCli = path.join(process.cwd(), "node_modules", "prisma", "build", "index.js");
  await promisify(execFile)(process.execPath, [prismaCli, "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
}
