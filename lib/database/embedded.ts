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
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Extended-query messages that leave a query unfinished until the connection's Sync. */
const extendedQueryMessages = new Set(["P", "B", "D", "E", "C", "H"].map((type) => type.charCodeAt(0)));

/**
 * pglite-socket 0.2.17 queues every protocol message on its own and keeps one connection's messages
 * together only inside a transaction. Two connections' extended queries (Parse, Bind, Execute, Sync)
 * then interleave, and one's Bind meets the other's unnamed statement: "bind message supplies 4
 * parameters, but prepared statement "" requires 2", or a wrong result. Reporting "between a Parse and
 * its Sync" as an open transaction to the queue makes it finish one connection's query before the next.
 */
function keepExtendedQueriesTogether(server: PGLiteSocketServer, pglite: PGlite): void {
  const queue = server as unknown as { queryQueue: { db: PGlite } };
  let midQuery = false;
  queue.queryQueue.db = new Proxy(pglite, {
    get(target, property) {
      if (property === "isInTransaction") return () => midQuery || target.isInTransaction();
      if (property === "execProtocolRawStream") {
        return (message: Uint8Array, options: Parameters<PGlite["execProtocolRawStream"]>[1]) => {
          midQuery = extendedQueryMessages.has(message[0]);
          return target.execProtocolRawStream(message, options);
        };
      }
      // The queue's ROLLBACK for a connection that left mid-query also ends that query.
      if (property === "exec")
        return (query: string) => {
          midQuery = false;
          return target.exec(query);
        };
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
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
  keepExtendedQueriesTogether(server, pglite);
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
