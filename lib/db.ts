import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client.ts";

const globalForPrisma = globalThis as unknown as { gatehousePrisma?: PrismaClient };

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: start the app with `npm start` or `npm run dev`, which provide the embedded database.");
  return url;
}

/** One Prisma client per process; Next's dev reloads would otherwise open a pool per reload. */
export function db(): PrismaClient {
  globalForPrisma.gatehousePrisma ??= new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl(), max: 10 }),
  });
  return globalForPrisma.gatehousePrisma;
}
