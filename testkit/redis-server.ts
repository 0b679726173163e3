import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection } from "node:net";
import { freePort } from "./app";
import { waitFor } from "./wait";

/** A redis-server of the test's own, on a spare port, that the test may stop and start again. */
export class DisposableRedis {
  private child?: ChildProcess;
  readonly port: Promise<number> = freePort();

  /** The server's process id, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async url(): Promise<string> {
    return `redis://127.0.0.1:${await this.port}`;
  }

  async start(): Promise<void> {
    const port = await this.port;
    this.child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    if (await waitFor(() => answers(port), { timeoutMs: 5_000, intervalMs: 100 })) return;
    throw new Error(`redis-server did not start on port ${port}`);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill("SIGKILL");
    await once(this.child, "exit");
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
