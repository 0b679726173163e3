import { z } from "zod";

export const deploymentStatuses = ["running", "stopped", "failed"] as const;
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
