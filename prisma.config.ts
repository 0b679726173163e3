import { existsSync } from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

if (existsSync(".env")) process.loadEnvFile(".env");

// The js schema engine runs migrations through the pg driver adapter, so the CLI never downloads
// a native engine (see shared/TOOLCHAIN.md).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
