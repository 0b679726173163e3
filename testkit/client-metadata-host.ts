import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * An https server on loopback that publishes a Client ID Metadata Document (the ids are https URLs), with a
 * certificate made for the run: an app started with NODE_EXTRA_CA_CERTS = `certificateFile` trusts it.
 */
export class ClientMetadataHost {
  readonly certificateFile: string;
  private readonly directory = mkdtempSync(path.join(tmpdir(), "gatehouse-cimd-"));
  private readonly server: Server;
  private document: Record<string, unknown> = {};
  fetches = 0;

  constructor() {
    this.certificateFile = path.join(this.directory, "cert.pem");
    const keyFile = path.join(this.directory, "key.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        keyFile,
        "-out",
        this.certificateFile,
      ]),
      { stdio: "ignore" },
    );
    this.server = createServer({ key: readFileSync(keyFile), cert: readFileSync(this.certificateFile) }, (_request, response) => {
      this.fetches++;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(this.document));
    });
  }

  get clientId(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/oauth/client.json`;
  }

  /** Listens, then publishes `metadata` with the document's own URL as its client_id. */
  async start(metadata: Record<string, unknown>): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.document = { ...metadata, client_id: this.clientId };
    return this.clientId;
  }

  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
