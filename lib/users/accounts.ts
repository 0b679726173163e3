import { z } from "zod";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
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

/** The account for these credentials, or null: the caller cannot tell a wrong password from an unknown email. */
export async function verifyCredentials(email: string, password: string): Promise<Account | null> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) return null;
  const user = await db().user.findUnique({ where: { email: parsed.data } });
  if (!user?.passwordHash) return null;
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  return { id: user.id, email: user.email, name: user.name };
}

/** Links a sign-in through an OAuth provider to the account with the same email, creating it if needed. */
export async function upsertOAuthUser(email: string, name: string | null | undefined): Promise<Account> {
  const normalised = email.trim().toLowerCase();
  return db().user.upsert({
    where: { email: normalised },
    create: { email: normalised, name: name ?? null },
    update: {},
    select: { id: true, email: true, name: true },
  });
}
