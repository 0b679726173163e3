import { config } from "@/lib/config";
import { RateLimiter } from "@/lib/gateway/rate-limit";
import { sharedRedis } from "@/lib/redis/client";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** The gateway's limiter machinery (Redis when configured, else memory) for the hub's own forms and endpoints: one per process. */
export const hubRateLimiter = processSingleton("hub-rate-limiter", () => new RateLimiter(config(), sharedRedis()));
