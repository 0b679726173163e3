import { config } from "@/lib/config";
import { hubRateLimiter } from "@/lib/http/hub-rate-limiter";

/**
 * Counts one way of making the hub know a new client (a registration, or a metadata document fetched for
 * the first time) against the client address's OAUTH_REGISTRATION_RATE_LIMIT; throws a 429 past it.
 */
export function countClientIntroduction(address: string): Promise<void> {
  return hubRateLimiter().checkKey(config().OAUTH_REGISTRATION_RATE_LIMIT, `oauth-register:${address}`, "client registrations from this address");
}
