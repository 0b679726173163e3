import { Redis } from "@upstash/redis";
import { type Config, config } from "@/lib/config";
import { TcpRequester } from "@/lib/redis/tcp-requester";
import { processSingleton } from "@/lib/runtime/process-singleton";

type RedisSettings = Pick<Config, "REDIS_URL" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN">;

/** One client API either way: Upstash over REST, or a self-hosted Redis over TCP. */
function connectRedis(settings: RedisSettings): Redis | null {
  if (settings.UPSTASH_REDIS_REST_URL && settings.UPSTASH_REDIS_REST_TOKEN) {
    return new Redis({ url: settings.UPSTASH_REDIS_REST_URL, token: settings.UPSTASH_REDIS_REST_TOKEN, enableTelemetry: false });
  }
  if (settings.REDIS_URL) return new Redis(new TcpRequester(settings.REDIS_URL));
  return null;
}

/**
 * The process's shared Redis for rate limits and breaker state, or null for a single instance (in
 * memory). One per process: the fast path, Next's bundle and the health check share its connection.
 */
export const sharedRedis = processSingleton("redis", () => connectRedis(config()));
