import { once } from "node:events";
import { Agent, createServer, type IncomingMessage, request, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { pipeline } from "node:stream";

/**
 * A round-robin HTTP load balancer in front of app instances, as the suite's "two instances" pass uses:
 * every request goes to the next instance (not every connection, which a client's keep-alive would pin
 * to one), with its raw target, method and headers passed on unchanged; WebSocket upgrades are relayed
 * as bytes to the instance whose turn it is.
 */
export class RoundRobinBalancer {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly sockets = new Set<Socket>();
  private turn = 0;

  private constructor(private readonly targets: URL[]) {
    this.server = createServer((incoming, outgoing) => {
      const target = this.next();
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.rawHeaders,
          agent: this.agent,
          setHost: false,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
          // Headers go on at once, as the instance sent them: an event stream may be silent for a while.
          outgoing.flushHeaders();
          // An answer cut short is cut short for the client too, and one the client leaves is left upstream.
          pipeline(answer, outgoing, () => {});
        },
      );
      forwarded.once("error", () => (outgoing.headersSent ? outgoing.destroy() : outgoing.writeHead(502).end()));
      incoming.pipe(forwarded);
      outgoing.once("close", () => forwarded.destroy());
    });
    this.server.on("upgrade", (incoming, client: Socket, head) => this.relayUpgrade(incoming, client, head));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  static async start(targets: string[]): Promise<RoundRobinBalancer> {
    const balancer = new RoundRobinBalancer(targets.map((target) => new URL(target)));
    balancer.server.listen(0, "127.0.0.1");
    await once(balancer.server, "listening");
    return balancer;
  }

  get url(): string {
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    this.server.close();
    await once(this.server, "close");
  }

  private next(): URL {
    const target = this.targets[this.turn % this.targets.length];
    this.turn++;
    return target;
  }

  private relayUpgrade(incoming: IncomingMessage, client: Socket, head: Buffer): void {
    const target = this.next();
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${incoming.method} ${incoming.url} HTTP/1.1`];
      for (let i = 0; i < incoming.rawHeaders.length; i += 2) lines.push(`${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.once("close", () => this.sockets.delete(upstream));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.once("error", close);
    client.once("error", close);
    client.once("close", close);
    upstream.once("close", close);
  }
}
