import { createHash } from "node:crypto";
import type { Requester, UpstashRequest, UpstashResponse } from "@upstash/redis";
import { createClient } from "redis";

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/**
 * Speaks Upstash's command-array protocol over Redis's TCP protocol, so @upstash/redis and
 * @upstash/ratelimit run unchanged against a self-hosted Redis.
 *
 * @upstash/ratelimit's scripts start with `#!lua flags=allow-key-locking`, a flag only Upstash knows;
 * self-hosted Redis refuses the script. The flag only enables a locking optimisation, so the script is
 * loaded without it, and later EVALSHA calls for the original hash are sent to the loaded one.
 */
export class TcpRequester implements Requester {
  private readonly client;
  private readonly loadedSha = new Map<string, string>();
  /** Until the first connection is made, commands wait for it (within the caller's deadline) rather than fail. */
  private firstConnection: Promise<unknown> | undefined;

  constructor(url: string) {
    this.client = createClient({
      url,
      // Fail fast while disconnected: the caller's own timeout and error policy decide, not a queue.
      disableOfflineQueue: true,
      socket: { connectTimeout: 1_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
    });
    // Errors reach callers through failed commands; without a listener node-redis would crash the process.
    this.client.on("error", () => {});
    this.firstConnection = this.client
      .connect()
      .catch(() => {})
      .finally(() => (this.firstConnection = undefined));
  }

  request<TResult>({ body }: UpstashRequest): Promise<UpstashResponse<TResult>> {
    const command = (body as unknown[]).map((part) => (typeof part === "string" ? part : JSON.stringify(part)));
    const name = command[0].toUpperCase();
    if (name === "EVAL") {
      const original = command[1];
      const portable = original.replace(/^#!lua flags=[^\n]*\n/, "#!lua\n");
      if (portable !== original) this.loadedSha.set(sha1(original), sha1(portable));
      command[1] = portable;
    } else if (name === "EVALSHA") {
      command[1] = this.loadedSha.get(command[1]) ?? command[1];
    }
    // Chained rather than awaited: every rate-limit check sends two commands through here (lib/runtime/awaitable.ts).
    const send = () =>
      this.client.sendCommand(command).then(
        (result) => ({ result: result as TResult }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
    return this.firstConnection ? this.firstConnection.then(send) : send();
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.destroy());
  }
}
