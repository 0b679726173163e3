import { createClient } from "redis";
import { config } from "@/lib/config";
import { withDeadline } from "@/lib/runtime/deadline";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** What an instance caches by key and must drop when another instance changes it. */
type CachedKind = "deployment" | "api-token" | "app-sessions" | "oauth-grant";

type Handler = (key: string) => void;

const channel = "gatehouse:invalidations";
const announceDeadlineMs = 500;
const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 2_000);

/**
 * Tells every instance to drop a cached entry the moment one instance changes it: a message on one Redis
 * channel (REDIS_URL), heard on a connection of each instance's own. A message lost while an instance is
 * disconnected, and every change on a deployment without REDIS_URL (one instance, or Upstash's REST API,
 * which has no subscriptions), still shows within the cache's TTL.
 */
class InvalidationBus {
  private readonly handlers = new Map<string, Handler>();
  private clients?: { publisher: ReturnType<typeof createClient>; subscriber: ReturnType<typeof createClient> };

  constructor(private readonly url: string | undefined) {}

  /** Runs `drop` for every key of `kind` any instance (this one included) announces. */
  listen(kind: CachedKind, drop: Handler): void {
    this.handlers.set(kind, drop);
    this.connect();
  }

  /**
   * Resolves once Redis has passed the message to every instance listening (before the change is
   * answered, so that the caller's next request finds it applied wherever it lands), or after a short
   * deadline while Redis is away: the message stays queued for the reconnection, and late beats lost.
   */
  announce(kind: CachedKind, key: string): Promise<void> {
    const sent = this.connect()?.publisher.publish(channel, `${kind}:${key}`);
    return sent
      ? withDeadline(sent, announceDeadlineMs).then(
          () => {},
          () => {},
        )
      : Promise.resolve();
  }

  private connect() {
    if (this.clients || !this.url) return this.clients;
    const open = () => {
      const client = createClient({ url: this.url, socket: { connectTimeout: 1_000, reconnectStrategy } });
      // Failures show as missed messages, which the TTL bounds; without a listener node-redis would crash the process.
      client.on("error", () => {});
      // A script or the CLI that changes something exits when done; a server has its listener to keep it up.
      client.unref();
      return client;
    };
    const clients = { publisher: open(), subscriber: open() };
    this.clients = clients;
    clients.publisher.connect().catch(() => {});
    clients.subscriber
      .connect()
      .then(() =>
        clients.subscriber.subscribe(channel, (message) => {
          const colon = message.indexOf(":");
          this.handlers.get(message.slice(0, colon))?.(message.slice(colon + 1));
        }),
      )
      .catch(() => {});
    return clients;
  }
}

export const invalidations = processSingleton("invalidation-bus", () => new InvalidationBus(config().REDIS_URL));
