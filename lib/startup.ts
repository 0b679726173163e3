import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { config } from "@/lib/config";
import { type EmbeddedDatabase, runningEmbeddedDatabaseUrl, startEmbeddedDatabase } from "@/lib/database/embedded";
import { applyMigrations, pendingMigrations } from "@/lib/database/migrations";
import { connectToEmbeddedDatabase } from "@/lib/db";

/** Reads `.env` when present: the CLI and server start outside Next, which would otherwise do it. */
function loadDotEnv(): void {
  for (const file of [".env.local", ".env"]) if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * The embedded mode is one machine by definition, so it may invent its own session secret and keep it
 * beside the data. With DATABASE_URL (several instances) every instance must be given the same one.
 */
async function ensureEmbeddedSecret(dataDir: string): Promise<void> {
  if (process.env.DATABASE_URL || process.env.NEXTAUTH_SECRET) return;
  const file = path.join(dataDir, "auth-secret");
  let secret = await readFile(file, "utf8").catch(() => "");
  if (secret.length < 32) {
    await mkdir(dataDir, { recursive: true });
    secret = randomBytes(32).toString("base64url");
    await writeFile(file, secret, { mode: 0o600 });
  }
  process.env.NEXTAUTH_SECRET = secret;
}

export class StartupError extends Error {}

/** Validated configuration for the server and the CLI alike; throws ConfigError naming each bad variable. */
export async function prepareEnvironment(): Promise<void> {
  loadDotEnv();
  await ensureEmbeddedSecret(process.env.GATEHOUSE_DATA_DIR || ".data");
  const settings = config();
  if (settings.GATEHOUSE_PUBLIC_URL) process.env.NEXTAUTH_URL = settings.GATEHOUSE_PUBLIC_URL;
  else process.env.AUTH_TRUST_HOST = "true";
}

/**
 * A migrated database for this process: the configured server, or the embedded one. Returns the
 * embedded database when this process owns it, so it can stop it on exit.
 */
export async function prepareDatabase(options: { shareRunning: boolean }): Promise<EmbeddedDatabase | undefined> {
  const settings = config();
  if (settings.DATABASE_URL) {
    const pending = await pendingMigrations(settings.DATABASE_URL).catch((error: Error) => {
      throw new StartupError(`Cannot reach the database at DATABASE_URL: ${error.message}`);
    });
    if (pending.length) {
      throw new StartupError(`The database has ${pending.length} pending migration(s) (${pending.join(", ")}). Run \`npm run db:migrate\`, then start again.`);
    }
    return undefined;
  }
  // PGlite owns its directory alone: a second process shares the first one's socket or stays out.
  const running = await runningEmbeddedDatabaseUrl(settings.GATEHOUSE_DATA_DIR);
  if (running && !options.shareRunning) {
    throw new StartupError(
      `Another Gatehouse process is serving the embedded database in ${settings.GATEHOUSE_DATA_DIR}. Stop it, or set GATEHOUSE_DATA_DIR to another directory.`,
    );
  }
  if (running) {
    connectToEmbeddedDatabase(running);
    return undefined;
  }
  const embedded = await startEmbeddedDatabase(settings.GATEHOUSE_DATA_DIR);
  await applyMigrations(embedded.url);
  connectToEmbeddedDatabase(embedded.url);
  return embedded;
}
