import { config } from "@/lib/config";
import { RateLimiter } from "@/lib/gateway/rate-limit";
import { sharedRedis } from "@/lib/redis/client";
import { processSingleton } from "@/lib/runtime/process-singleton";

const limiter = processSingleton("oauth-registration-limiter", () => new RateLimiter(config(), sharedRedis()));

/**
 * Counts one way of making the hub know a new client (a registration, or a metadata document fetched for
 * the first time) against the client address's OAUTH_REGISTRATION_RATE_LIMIT; throws a 429 past it.
 */
export function countClientIntroduction(address: string): Promise<void> {
  return limiter().checkKey(config().OAUTH_REGISTRATION_RATE_LIMIT, `oauth-register:${address}`, "client registrations from this address");
}
