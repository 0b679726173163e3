import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const portFile = (dataDir: string) => path.join(dataDir, "pglite.port");

function urlForPort(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1_000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

/**
 * The URL of an embedded database already served by a running Gatehouse process, if any. PGlite owns
 * its directory exclusively, so a second process must connect through the first one's socket.
 */
export async function runningEmbeddedDatabaseUrl(dataDir: string): Promise<string | undefined> {
  const port = Number(await readFile(portFile(dataDir), "utf8").catch(() => ""));
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return (await answers(port)) ? urlForPort(port) : undefined;
}

/** Opens the PGlite database under `dataDir` and serves it on a loopback port with the PostgreSQL protocol. */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(path.join(dataDir, "pglite"));
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections: 32 });
  await server.start();
  const port = Number(server.getServerConn().split(":").pop());
  await writeFile(portFile(dataDir), String(port));
  return {
    url: urlForPort(port),
    async stop() {
      await rm(portFile(dataDir), { force: true });
      await server.stop();
      await pglite.close();
    },
  };
}
