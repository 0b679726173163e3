import { config } from "@/lib/config";
import { clientAddressOf } from "@/lib/http/client-address";
import { hubRateLimiter } from "@/lib/http/hub-rate-limiter";

/**
 * Limits password sign-in attempts per client address and per account (the email tried), so neither a
 * guesser spreading over accounts nor one spreading over addresses gets far. Throws a 429 with Retry-After.
 */
export async function guardSignIn(request: Request, email: string | null): Promise<void> {
  const settings = config();
  await hubRateLimiter().checkKey(settings.AUTH_RATE_LIMIT_ADDRESS, `sign-in:address:${clientAddressOf(request)}`, "sign-in attempts from this address");
  if (email)
    await hubRateLimiter().checkKey(settings.AUTH_RATE_LIMIT_ACCOUNT, `sign-in:account:${email.trim().toLowerCase()}`, "sign-in attempts for this account");
}

/** Limits sign-ups per client address. Throws a 429 with Retry-After. */
export async function guardSignUp(request: Request): Promise<void> {
  await hubRateLimiter().checkKey(config().SIGNUP_RATE_LIMIT_ADDRESS, `sign-up:address:${clientAddressOf(request)}`, "sign-ups from this address");
}
