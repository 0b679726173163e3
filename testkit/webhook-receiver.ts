import { createServer, type IncomingHttpHeaders } from "node:http";
import { LoopbackServer } from "./loopback-server";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP endpoint for alert webhooks: records every POST and answers 500 to the first `failFirst`. */
export class WebhookReceiver extends LoopbackServer {
  readonly received: ReceivedWebhook[] = [];

  constructor(private readonly failFirst = 0) {
    super(
      createServer(async (request, response) => {
        let body = "";
        for await (const chunk of request) body += chunk;
        this.received.push({ headers: request.headers, body });
        response.writeHead(this.received.length <= this.failFirst ? 500 : 204);
        response.end();
      }),
    );
  }

  /** Listens, and resolves with the webhook URL. */
  async start(): Promise<string> {
    return `${await super.start()}/hook`;
  }
}
