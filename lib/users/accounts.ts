import { z } from "zod";
import { hashPassword, verifyNothing, verifyPassword, waitLikeAHash } from "@/lib/auth/password";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { emailTaken } from "@/lib/http/problems";
import { parseInput } from "@/lib/http/validation";

export const emailSchema = z.email("must be an email address").trim().toLowerCase().max(254);

const newUserSchema = z.object({
  email: emailSchema,
  // bcrypt reads only the first 72 bytes; a longer password would be silently truncated.
  password: z.string().min(8, "must be at least 8 characters").max(72, "must be at most 72 characters"),
  name: z.string().trim().min(1).max(100).optional(),
});

export interface Account {
  id: string;
  email: string;
  name: string | null;
}

/** Creates an account for the operator's CLI and the tests: a taken email is a 409 there. */
export async function createUser(input: unknown): Promise<Account> {
  const { email, password, name } = parseInput(newUserSchema, input);
  try {
    return await db().user.create({
      data: { email, name, passwordHash: await hashPassword(password) },
      select: { id: true, email: true, name: true },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw emailTaken(email);
    }
    throw error;
  }
}

export async function findUserByEmail(email: string): Promise<Account | null> {
  return db().user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true, email: true, name: true } });
}

/**
 * A sign-up from the public page. Its answer is the same whether the email was free or taken, and takes
 * as long: a taken email is not hashed (no work for nothing), the answer waits a hash's time instead.
 * Whoever owns the address then signs in with their own password; anyone else cannot.
 */
export async function signUp(input: unknown): Promise<{ email: string }> {
  const { email, password, name } = parseInput(newUserSchema, input);
  if (await db().user.findUnique({ where: { email }, select: { id: true } })) {
    await waitLikeAHash();
    return { email };
  }
  try {
    await db().user.create({ data: { email, name, passwordHash: await hashPassword(password) }, select: { id: true } });
  } catch (error) {
    // Taken meanwhile by a concurrent sign-up: the same answer.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
  }
  return { email };
}

/**
 * The account for these credentials, or null: the caller cannot tell a wrong password from an unknown
 * email, by the answer or by its time (an unknown email costs a hash too). A hash of an older kind is
 * replaced once the password is known to be right.
 */
export async function verifyCredentials(email: string, password: string): Promise<Account | null> {
  const parsed = emailSchema.safeParse(email);
  const user = parsed.success ? await db().user.findUnique({ where: { email: parsed.data } }) : null;
  if (!user?.passwordHash) {
    await verifyNothing(password);
    return null;
  }
  const verdict = await verifyPassword(password, user.passwordHash);
  if (!verdict.ok) return null;
  if (verdict.stale) await db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
  return { id: user.id, email: user.email, name: user.name };
}

/** Who a provider says is signing in. */
export interface ProviderIdentity {
  provider: string;
  providerAccountId: string;
  email: string | null | undefined;
  /** Whether the provider vouches that this person controls the email. */
  emailVerified: boolean;
  name: string | null | undefined;
}

/** Why a provider sign-in is refused: the email belongs to an account it is not linked to, or is unverified. */
export type ProviderRefusal = "OAuthAccountNotLinked" | "EmailUnverified";

/**
 * The account a provider sign-in belongs to. Linking policy: a provider account signs in as the user it
 * was linked to when it first signed in, and only that one. A first sign-in creates a new user, and only
 * for an email the provider has verified. An email that already has an account is never merged: no
 * email is verified here, so whoever signed up with someone's address first (or controls a provider
 * account showing it) would otherwise take over, or hand over, that account. The user signs in the way
 * they signed up instead.
 */
export async function accountForProvider(identity: ProviderIdentity): Promise<Account | ProviderRefusal> {
  const select = { id: true, email: true, name: true } as const;
  const where = { provider_providerAccountId: { provider: identity.provider, providerAccountId: identity.providerAccountId } };
  const linked = await db().linkedIdentity.findUnique({ where, select: { user: { select } } });
  if (linked) return linked.user;
  const email = identity.email ? emailSchema.safeParse(identity.email) : undefined;
  if (!email?.success || !identity.emailVerified) return "EmailUnverified";
  try {
    return await db().user.create({
      data: {
        email: email.data,
        name: identity.name ?? null,
        identities: { create: { provider: identity.provider, providerAccountId: identity.providerAccountId } },
      },
      select,
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return "OAuthAccountNotLinked";
    throw error;
  }
}
