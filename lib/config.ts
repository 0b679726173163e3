import { z } from "zod";
import { rateSchema } from "@/lib/deployments/schema";

const positiveMs = z.coerce.number().int().positive();

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  SHUTDOWN_DEADLINE_MS: positiveMs.default(10_000),
  SHUTDOWN_READINESS_DELAY_MS: z.coerce.number().int().min(0).default(5_000),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .optional(),
  GATEHOUSE_DATA_DIR: z.string().min(1).default(".data"),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (try: openssl rand -base64 32)"),
  GATEHOUSE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://gatehouse.example.com" }).optional(),
  GATEHOUSE_APPS_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(
      /^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
      "must be a domain name such as apps.example.com (no scheme, no port)",
    )
    .optional(),
  GITHUB_ID: z.string().optional(),
  GITHUB_SECRET: z.string().optional(),
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  CLIENT_HEADERS_TIMEOUT_MS: positiveMs.default(20_000),
  CLIENT_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).default(300_000),
  CLIENT_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).default(0),
  CLIENT_MAX_CONNECTIONS: z.coerce.number().int().min(0).default(10_000),
  GATEWAY_TRUSTED_PROXIES: z.coerce.number({ error: "must be a whole number" }).int().min(0, "must be 0 or more").max(10, "must be at most 10").default(0),
  GATEWAY_CONNECT_TIMEOUT_MS: positiveMs.default(10_000),
  GATEWAY_HEADERS_TIMEOUT_MS: positiveMs.default(60_000),
  GATEWAY_BODY_IDLE_TIMEOUT_MS: positiveMs.min(1_000).default(300_000),
  GATEWAY_MAX_CONNECTIONS_PER_UPSTREAM: z.coerce.number().int().positive().default(1024),
  GATEWAY_MAX_QUEUED_PER_UPSTREAM: z.coerce.number().int().min(0).default(1024),
  GATEWAY_FAST_PATH: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("true")
    .transform((value) => value === "true"),
  GATEWAY_DEPLOYMENT_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5_000),
  GATEWAY_WEBSOCKET_IDLE_TIMEOUT_MS: z.coerce.number().int().min(0).default(600_000),
  GATEWAY_WEBSOCKETS_PER_USER: z.coerce.number().int().min(0).default(200),
  GATEWAY_STALE_IF_ERROR_MS: z.coerce.number().int().min(0).default(300_000),

  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  GATEWAY_COUNTRY_HEADER: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9-]+$/, "must be a header name such as cf-ipcountry")
    .optional(),
  REQUEST_LOG_RETENTION_DAYS: z.coerce.number().int().min(1, "must be at least 1 day").default(7),
  ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(1, "must be at least 1 day").default(90),
  RETENTION_INTERVAL_MS: positiveMs.min(1_000).default(3_600_000),
  GATEWAY_LOG_CLIENT_ADDRESS: z.enum(["truncated", "full", "none"], { error: "must be truncated, full or none" }).default("truncated"),

  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/, error: "must be the https:// REST URL of an Upstash database" }).optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
  GATEWAY_RATE_LIMIT_USER: rateSchema.default({ limit: 600, windowSeconds: 60 }),
  GATEWAY_RATE_LIMIT_DEPLOYMENT: rateSchema.default({ limit: 300, windowSeconds: 60 }),
  GATEWAY_RATE_LIMIT_ANONYMOUS: rateSchema.default({ limit: 300, windowSeconds: 60 }),
  GATEWAY_RATE_LIMIT_TIMEOUT_MS: positiveMs.default(150),
  GATEWAY_RATE_LIMIT_ON_ERROR: z.enum(["allow", "deny"], { error: "must be allow or deny" }).default("allow"),
  GATEWAY_RATE_LIMIT_LEASE: z.coerce
    .number({ error: "must be a percentage such as 1" })
    .min(0, "must be between 0 and 10 (percent of a limit)")
    .max(10, "must be between 0 and 10 (percent of a limit)")
    .default(1),

  GATEWAY_BREAKER_WINDOW_MS: positiveMs.default(30_000),
  GATEWAY_BREAKER_MIN_REQUESTS: z.coerce.number().int().positive().default(10),
  GATEWAY_BREAKER_FAILURE_RATIO: z.coerce.number().gt(0).max(1, "must be a ratio between 0 and 1, like 0.5").default(0.5),
  GATEWAY_BREAKER_CONSECUTIVE_FAILURES: z.coerce.number().int().positive().default(5),
  GATEWAY_BREAKER_COOLDOWN_MS: positiveMs.default(15_000),
  GATEWAY_BREAKER_MAX_COOLDOWN_MS: positiveMs.default(300_000),
  GATEWAY_BREAKER_HALF_OPEN_PROBES: z.coerce.number().int().positive().default(1),
  GATEWAY_BREAKER_SYNC_MS: positiveMs.default(1_000),

  AUTH_RATE_LIMIT_ADDRESS: rateSchema.default({ limit: 30, windowSeconds: 300 }),
  AUTH_RATE_LIMIT_ACCOUNT: rateSchema.default({ limit: 10, windowSeconds: 300 }),
  SIGNUP_RATE_LIMIT_ADDRESS: rateSchema.default({ limit: 10, windowSeconds: 3600 }),
  OAUTH_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5, "must be at least 5 seconds").max(3600, "must be at most 3600 seconds (an hour)").default(300),
  OAUTH_REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  OAUTH_REGISTRATION_RATE_LIMIT: rateSchema.default({ limit: 20, windowSeconds: 3600 }),

  ALERTS_MAX_RULES_PER_DEPLOYMENT: z.coerce.number().int().positive().default(20),
  ALERTS_WEBHOOKS_PER_DESTINATION: z.coerce.number().int().positive().default(4),
  ALERTS_EVALUATION_INTERVAL_MS: positiveMs.default(15_000),
  ALERTS_RULE_INTERVAL_MS: positiveMs.default(60_000),
  ALERTS_WEBHOOK_TIMEOUT_MS: positiveMs.default(10_000),
  ALERTS_WEBHOOK_RETRY_MS: positiveMs.default(10_000),
  ALERTS_WEBHOOK_ALLOW_INTERNAL: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((value) => value === "true"),
});

const credentialPairs = [
  ["GITHUB_ID", "GITHUB_SECRET"],
  ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"],
  ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
] as const;

/** An OAuth provider needs both halves; checked apart so it is reported alongside every other problem. */
function missingHalves(env: Record<string, string | undefined>): string[] {
  return credentialPairs
    .filter(([id, secret]) => Boolean(env[id]) !== Boolean(env[secret]))
    .map(([id, secret]) => (env[id] ? `${secret} must be set together with ${id}` : `${id} must be set together with ${secret}`));
}

export type Config = z.infer<typeof environmentSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join("\n")}\nSee "Configuration" in README.md.`);
    this.name = "ConfigError";
  }
}

/**
 * Isolated app origins are `{deployment}.{GATEHOUSE_APPS_DOMAIN}` with the hub's scheme and port, so the
 * hub's URL must be known, and the hub itself must never be one of those hosts.
 */
function appsDomainProblems(env: Record<string, string | undefined>): string[] {
  const domain = env.GATEHOUSE_APPS_DOMAIN?.trim().toLowerCase();
  if (!domain) return [];
  if (!env.GATEHOUSE_PUBLIC_URL) return ["GATEHOUSE_APPS_DOMAIN requires GATEHOUSE_PUBLIC_URL (the hub's own URL)"];
  let hubHost: string;
  try {
    hubHost = new URL(env.GATEHOUSE_PUBLIC_URL).hostname.toLowerCase();
  } catch {
    return [];
  }
  return hubHost === domain || hubHost.endsWith(`.${domain}`)
    ? [
        `GATEHOUSE_APPS_DOMAIN must not contain the hub's host (${hubHost}): use a domain of its own, such as apps.${hubHost.replace(/^www\./, "")}-usercontent.com`,
      ]
    : [];
}

/** Parses an environment; every problem names its variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable (`DATABASE_URL=` in a .env file) means "not set", as in most tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = environmentSchema.safeParse(present);
  const problems = [
    ...(result.error?.issues ?? []).map((issue) => {
      const variable = issue.path.join(".") || "environment";
      const message = issue.code === "invalid_type" && present[variable] === undefined ? "is required" : issue.message;
      return `${variable} ${message}`;
    }),
    ...missingHalves(present),
    ...appsDomainProblems(present),
  ];
  if (problems.length || !result.success) throw new ConfigError(problems);
  return result.data;
}

/**
 * DATABASE_URL alone, checked as the whole configuration checks it: a script that only queries (the
 * dashboard bench, a test) needs no other variable.
 */
export function configuredDatabaseUrl(): string | undefined {
  const value = process.env.DATABASE_URL;
  if (!value) return undefined;
  const result = environmentSchema.shape.DATABASE_URL.safeParse(value);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `DATABASE_URL ${issue.message}`));
  return result.data;
}

let current: Config | undefined;

/** The process's configuration, parsed on first use and then fixed for the life of the process. */
export function config(): Config {
  current ??= parseConfig(process.env);
  return current;
}
