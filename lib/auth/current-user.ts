import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { signInRequired } from "@/lib/http/problems";
import { userExists } from "@/lib/users/existence";

export interface SignedInUser {
  id: string;
  email: string | null;
  name: string | null;
}

/** The signed-in user, or null; a session of a user deleted since counts as none (within userRecheckMs). */
export async function currentUser(): Promise<SignedInUser | null> {
  const session = await getServerSession(authOptions());
  const user = session?.user;
  if (!user?.id || !(await userExists(user.id))) return null;
  return { id: user.id, email: user.email ?? null, name: user.name ?? null };
}

/** For pages: the signed-in user, or a redirect to sign-in that comes back to `returnTo`. */
export async function requirePageUser(returnTo: string): Promise<SignedInUser> {
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}

/** For API routes: the signed-in user's id, or a 401 problem. */
export async function requireApiUser(): Promise<string> {
  const user = await currentUser();
  if (!user) throw signInRequired();
  return user.id;
}
