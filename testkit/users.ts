import { randomUUID } from "node:crypto";
import { createApiToken } from "@/lib/api-tokens/tokens";
import { createDeployment, updateDeployment } from "@/lib/deployments/service";
import { createUser } from "@/lib/users/accounts";
import { signIn } from "./session";
import { suiteAppUrl } from "./suite";

export interface TestUser {
  id: string;
  email: string;
  password: string;
  /** The Cookie header of the user's session. */
  cookie: string;
}

/**
 * A new user with a random email, signed in through next-auth at `signInAt` (by default the suite's app).
 * The session is a JWT: any app sharing the secret accepts it.
 */
export async function newUser(signInAt = suiteAppUrl()): Promise<TestUser> {
  const email = `user-${randomUUID()}@example.test`;
  const password = "correct horse battery";
  const { id } = await createUser({ email, password });
  return { id, email, password, cookie: await signIn(signInAt, email, password) };
}

export interface DeploymentOptions {
  status?: string;
  corsOrigins?: string[];
  /** The deployment's own limit (`N/WINDOW`), set as the platform does, before any request. */
  rateLimit?: string;
}

export type TestDeployment = Awaited<ReturnType<typeof createDeployment>> & {
  /** The gateway prefix, without a trailing slash. */
  path: string;
};

export async function newDeployment(owner: TestUser, target: string, { rateLimit, ...extra }: DeploymentOptions = {}): Promise<TestDeployment> {
  let deployment = await createDeployment({ owner: owner.email, name: `d-${randomUUID().slice(0, 8)}`, target, ...extra });
  if (rateLimit) deployment = await updateDeployment({ id: deployment.id, rateLimit });
  return { ...deployment, path: `/api/gateway/${owner.id}/${deployment.id}` };
}

/** Changes a deployment the way its owner's settings page does. */
export async function patchDeployment(owner: TestUser, id: string, change: Record<string, unknown>, app = suiteAppUrl()): Promise<Response> {
  return fetch(`${app}/api/deployments/${id}`, {
    method: "PATCH",
    headers: { cookie: owner.cookie, "content-type": "application/json" },
    body: JSON.stringify(change),
  });
}

export async function newApiToken(owner: TestUser): Promise<string> {
  return (await createApiToken({ userId: owner.id, name: "test" })).token;
}
