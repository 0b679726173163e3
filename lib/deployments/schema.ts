import { z } from "zod";

const deploymentStatuses = ["running", "stopped", "failed"] as const;
export type DeploymentStatusName = (typeof deploymentStatuses)[number];
export const statusSchema = z.enum(deploymentStatuses, { error: `must be one of ${deploymentStatuses.join(", ")}` });

/** Where a deployment listens: an http(s) origin, optionally with a base path; no credentials, query or fragment. */
export const targetSchema = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }))
  .refine((value) => {
    const url = new URL(value);
    return !url.username && !url.password && !url.search && !url.hash;
  }, "must not carry credentials, a query or a fragment")
  .transform((value) => value.replace(/\/+$/, ""));

export const corsOriginSchema = z
  .string()
  .trim()
  .refine((value) => {
    if (value === "*") return true;
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
    } catch {
      return false;
    }
  }, "must be an origin such as https://app.example.com (scheme, host and optional port, nothing else) or *");

export const deploymentNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(63, "must be at most 63 characters")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "must be lowercase letters, digits and inner hyphens");

export const idSchema = z.string().regex(/^[a-z0-9]{1,64}$/, "is not a valid id");

export interface Rate {
  limit: number;
  windowSeconds: number;
}

const windowUnits = { s: 1, m: 60, h: 3600 } as const;

function parseRate(value: string, ctx: z.RefinementCtx): Rate {
  const match = /^(\d+)\s*\/\s*(\d+)\s*([smh])$/.exec(value);
  const limit = match ? Number(match[1]) : 0;
  const windowSeconds = match ? Number(match[2]) * windowUnits[match[3] as keyof typeof windowUnits] : 0;
  if (!match || limit < 1 || limit > 1_000_000 || windowSeconds < 1 || windowSeconds > 86_400) {
    ctx.addIssue({ code: "custom", message: "must look like 300/60s, 20/1m or 1000/1h (1 to 1,000,000 requests, a window of 1 s to 24 h)" });
    return z.NEVER;
  }
  return { limit, windowSeconds };
}

/** A rate as people write it: `300/60s`, `20/1m`, `1000/1h`. */
export const rateSchema = z.string().trim().transform(parseRate);

/** A deployment's own rate, or `off` to fall back to the configured default. */
export const rateOverrideSchema = z
  .string()
  .trim()
  .transform((value, ctx) => (value === "off" ? ("off" as const) : parseRate(value, ctx)));

const rateLimitAlgorithms = ["sliding", "token"] as const;
export const rateLimitAlgorithmSchema = z.enum(rateLimitAlgorithms, { error: "must be sliding or token" });
