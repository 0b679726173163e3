import type { IncomingHttpHeaders } from "node:http";
import type { Duplex, Readable } from "node:stream";
import { Agent, type Dispatcher, errors } from "undici";
import type { Config } from "@/lib/config";
import type { ClientSignal } from "@/lib/gateway/types";
import { clientAborted, Problem, upstreamBusy, upstreamMalformed, upstreamTimeout, upstreamUnreachable } from "@/lib/http/problems";
import { CountedSlots } from "@/lib/runtime/counted-slots";

export interface UpstreamUpgrade {
  status: 101;
  headers: IncomingHttpHeaders;
  socket: Duplex;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

const refusedCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/** The deployment's answer was not HTTP a client can take: llhttp's parser errors, an oversized head, a wrong length. */
const malformedCodes = new Set(["UND_ERR_HEADERS_OVERFLOW", "UND_ERR_RES_CONTENT_LENGTH_MISMATCH", "UND_ERR_RES_EXCEEDED_MAX_SIZE", "UND_ERR_INFO"]);

function failureOf(error: unknown, signal: ClientSignal): Error {
  if (signal.aborted) return clientAborted();
  if (error instanceof errors.ConnectTimeoutError) return upstreamTimeout("The deployment did not accept a connection in time.");
  if (error instanceof errors.HeadersTimeoutError) return upstreamTimeout("The deployment did not start its response in time.");
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code && refusedCodes.has(code)) return upstreamUnreachable("The deployment refused or dropped the connection before answering.");
  if (error instanceof errors.HTTPParserError || (code && (code.startsWith("HPE_") || malformedCodes.has(code)))) {
    return upstreamMalformed("The deployment's answer was not valid HTTP.");
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A final status HTTP clients take (Fetch's Response refuses anything else); 101 comes only through `upgrade`. */
const isDeliverableStatus = (status: number) => status >= 200 && status <= 599;

/** One connection pool for every upstream, built once: bounded connections per origin, keep-alive between requests. */
export class Forwarder {
  private readonly dispatcher: Agent;
  /** Requests under way per deployment origin, waiting for a connection or answering. */
  private readonly inFlight = new CountedSlots();
  private readonly maxInFlight: number;

  constructor(
    settings: Pick<
      Config,
      | "GATEWAY_CONNECT_TIMEOUT_MS"
      | "GATEWAY_HEADERS_TIMEOUT_MS"
      | "GATEWAY_BODY_IDLE_TIMEOUT_MS"
      | "GATEWAY_MAX_CONNECTIONS_PER_UPSTREAM"
      | "GATEWAY_MAX_QUEUED_PER_UPSTREAM"
    >,
  ) {
    // undici queues requests for a busy origin without bound; past the connections and this many waiting, refuse at once.
    this.maxInFlight = settings.GATEWAY_MAX_CONNECTIONS_PER_UPSTREAM + settings.GATEWAY_MAX_QUEUED_PER_UPSTREAM;
    this.dispatcher = new Agent({
      connections: settings.GATEWAY_MAX_CONNECTIONS_PER_UPSTREAM,
      connect: { timeout: settings.GATEWAY_CONNECT_TIMEOUT_MS },
      headersTimeout: settings.GATEWAY_HEADERS_TIMEOUT_MS,
      // undici's body timeout is the longest silence between two chunks, not a limit on the whole body,
      // so long-lived streams (SSE) live as long as they keep talking.
      bodyTimeout: settings.GATEWAY_BODY_IDLE_TIMEOUT_MS,
    });
  }

  /**
   * Sends the request upstream, streaming both bodies; refusals, timeouts and malformed answers become
   * 502/504 problems, and a deployment with too many requests waiting gets none more (503).
   */
  send(
    origin: string,
    pathAndQuery: string,
    method: string,
    headers: Record<string, string | string[]>,
    body: AsyncIterable<Uint8Array> | null,
    signal: ClientSignal,
  ): Promise<UpstreamResponse> {
    const settle = this.inFlight.take(origin, this.maxInFlight);
    if (!settle) return Promise.reject(upstreamBusy());
    // Chained rather than awaited: one promise fewer per request (lib/runtime/awaitable.ts).
    // The path travels apart from the origin and so stays byte for byte: a URL object would re-encode it.
    return this.dispatcher
      .request({
        origin,
        path: pathAndQuery,
        method: method as "GET",
        headers,
        // undici streams any async iterable; its types only list Readable.
        body: (body ?? undefined) as Readable | undefined,
        signal,
      })
      .then(
        (response) => {
          response.body.once("close", settle);
          if (!isDeliverableStatus(response.statusCode)) {
            response.body.destroy();
            throw upstreamMalformed(`The deployment answered with status ${response.statusCode}, which no HTTP client takes.`);
          }
          return { status: response.statusCode, headers: response.headers, body: response.body };
        },
        (error) => {
          settle();
          throw failureOf(error, signal);
        },
      );
  }

  /** Opens a WebSocket (or other upgrade) with the deployment; anything but a 101 is a 502. */
  async upgrade(
    origin: string,
    pathAndQuery: string,
    headers: Record<string, string | string[]>,
    protocol: string,
    signal: ClientSignal,
  ): Promise<UpstreamUpgrade> {
    try {
      // An Agent needs the origin beside the path; the upgrade options' type only lists the path.
      const options = { origin, path: pathAndQuery, method: "GET", headers, protocol, signal } as Dispatcher.UpgradeOptions;
      const { headers: responseHeaders, socket } = await (this.dispatcher.upgrade(options) as Promise<Dispatcher.UpgradeData>);
      return { status: 101, headers: responseHeaders, socket };
    } catch (error) {
      const failure = failureOf(error, signal);
      if (failure instanceof Problem) throw failure;
      throw upstreamUnreachable("The deployment did not accept the upgrade.");
    }
  }
}
