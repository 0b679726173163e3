import { execFile } from "node:child_process";
import { chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./app";

const run = promisify(execFile);

/** The server binaries of the newest PostgreSQL installed from Debian's packages, or TEST_POSTGRES_BIN. */
async function binaries(): Promise<string> {
  if (process.env.TEST_POSTGRES_BIN) return process.env.TEST_POSTGRES_BIN;
  const versions = (await readdir("/usr/lib/postgresql")).sort((a, b) => Number(b) - Number(a));
  return path.join("/usr/lib/postgresql", versions[0], "bin");
}

/**
 * A PostgreSQL cluster of the test's own, in a temporary directory on a spare port, that the test may
 * stop and start again (the shared server on 5432 must keep serving the other tests). PostgreSQL refuses
 * to run as root, so as root the cluster belongs to the `postgres` user.
 */
export class DisposablePostgres {
  private dataDir = "";
  readonly port: Promise<number> = freePort();

  async url(): Promise<string> {
    return `postgresql://postgres@127.0.0.1:${await this.port}/postgres`;
  }

  private async asOwner(command: string, args: string[]): Promise<void> {
    const program = path.join(await binaries(), command);
    if (process.getuid?.() === 0) await run("runuser", ["-u", "postgres", "--", program, ...args]);
    else await run(program, args);
  }

  async create(): Promise<void> {
    this.dataDir = await mkdtemp(path.join(tmpdir(), "gatehouse-pg-"));
    if (process.getuid?.() === 0) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: group } = await run("id", ["-g", "postgres"]);
      await chown(this.dataDir, Number(stdout), Number(group));
    }
    await this.asOwner("initdb", ["-D", this.dataDir, "-A", "trust", "-U", "postgres", "--no-sync"]);
    await this.start();
  }

  async start(): Promise<void> {
    const options = `-p ${await this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.asOwner("pg_ctl", ["-D", this.dataDir, "-o", options, "-l", path.join(this.dataDir, "server.log"), "-w", "start"]);
  }

  async stop(): Promise<void> {
    await this.asOwner("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "stop"]);
  }

  async destroy(): Promise<void> {
    if (!this.dataDir) return;
    await this.asOwner("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
