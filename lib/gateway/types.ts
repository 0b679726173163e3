import type { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import type { MeteredBody } from "@/lib/gateway/metered-body";

/**
 * The gateway's own description of a request, independent of Next.js, so that a route handler and a
 * plain node:http server can both drive the same pipeline.
 */
export interface GatewayRequest {
  method: string;
  /** The request path exactly as received: still percent-encoded, without the query. */
  path: string;
  /** The raw query string with its leading `?`, or "". */
  query: string;
  /** Lower-case header names, as node:http delivers them. */
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Uint8Array> | null;
  /** The address of the peer that connected to us (a proxy, when proxies are trusted). */
  peerAddress: string;
  /** Whether the peer connected over TLS. */
  peerSecure: boolean;
  /**
   * False where the transport drops a response's Content-Encoding (Next 16's route handlers do), so the
   * deployment must be asked for an uncompressed body: relaying compressed bytes without the header would corrupt them.
   */
  canRelayContentEncoding: boolean;
  /** Aborts when the client goes away. */
  signal: ClientSignal;
  /**
   * Set when the request came to a deployment's own origin (`{id}.{GATEHOUSE_APPS_DOMAIN}`): the id its
   * host names, "" when the host names none. Absent on the hub's gateway path.
   */
  appDeploymentId?: string;
}

/**
 * What the pipeline and undici need of an abort signal: `aborted`, and an `abort` event. A route
 * handler's Request brings an AbortSignal; the node server makes a ClientDeparture, far cheaper to build.
 */
export type ClientSignal = { readonly aborted: boolean } & (AbortSignal | EventEmitter);

/** A switched protocol: the client gets `headers` with a 101, then its socket is joined to `socket`. */
export interface GatewayUpgrade {
  headers: OutgoingHttpHeaders;
  socket: Duplex;
  /** Closed after this long with no bytes either way (0: never). */
  idleTimeoutMs: number;
  /**
   * Call once, when both sockets are closed: records the connection. `switched` is false when the client
   * left before the 101; `failed` when the deployment's socket failed rather than closed.
   */
  closed(bytesIn: number, bytesOut: number, how: { switched: boolean; failed: boolean }): void;
}

export interface GatewayResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  /** The deployment's body, counted as it passes, or a small body the gateway wrote itself. */
  body: MeteredBody | Uint8Array | null;
}
