import { randomUUID } from "node:crypto";
import { createApiToken } from "@/lib/auth/api-tokens";
import { createDeployment } from "@/lib/deployments/service";
import { createUser } from "@/lib/users/accounts";
import { signIn } from "./session";

/** The app under test, started by scripts/test.ts; DATABASE_URL points at its database. */
export function appUrl(): string {
  const url = process.env.GATEHOUSE_TEST_APP_URL;
  if (!url || !process.env.DATABASE_URL) throw new Error("Run the integration tests through `npm test` (scripts/test.ts starts the app they need).");
  return url;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  cookie: string;
}

export async function newUser(): Promise<TestUser> {
  const email = `user-${randomUUID()}@example.test`;
  const password = "correct horse battery";
  const { id } = await createUser({ email, password });
  return { id, email, password, cookie: await signIn(appUrl(), email, password) };
}

export async function newDeployment(owner: TestUser, target: string, extra: { status?: string; corsOrigins?: string[] } = {}) {
  const deployment = await createDeployment({ owner: owner.email, name: `d-${randomUUID().slice(0, 8)}`, target, ...extra });
  return { ...deployment, path: `/api/gateway/${owner.id}/${deployment.id}` };
}

/** Changes a deployment the way its owner's settings page does. */
export async function patchDeployment(owner: TestUser, id: string, change: Record<string, unknown>, app = appUrl()): Promise<Response> {
  return fetch(`${app}/api/deployments/${id}`, {
    method: "PATCH",
    headers: { cookie: owner.cookie, "content-type": "application/json" },
    body: JSON.stringify(change),
  });
}

/** Waits until the start of a fixed window of `seconds` (as the limiters align them), so a test's burst fits in one. */
export async function atWindowStart(seconds: number): Promise<void> {
  const ms = seconds * 1000;
  await new Promise((resolve) => setTimeout(resolve, ms - (Date.now() % ms) + 30));
}

/** Waits for the next window of `seconds` only when the current one has less than `needMs` left. */
export async function clearOfWindowEnd(seconds: number, needMs: number): Promise<void> {
  const ms = seconds * 1000;
  const left = ms - (Date.now() % ms);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 30));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function newApiToken(owner: TestUser): Promise<string> {
  return (await createApiToken({ userId: owner.id, name: "test" })).token;
}
