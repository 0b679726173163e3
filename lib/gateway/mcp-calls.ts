import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** What the analytics keep of an MCP call: its JSON-RPC method, the tool, prompt or resource it names, and whether it failed. */
export interface McpCall {
  method: string;
  name: string | null;
  /** Whether the answer was a JSON-RPC error; null when the answer was not read (not JSON, or cut short). */
  error: boolean | null;
}

/** How much of a body is looked at: enough for any call's head, never a whole upload. */
const sniffBytes = 16 * 1024;
const maxStored = 200;
/** The parameter that names what a call is about, per method. */
const namedBy: Record<string, string> = { "tools/call": "name", "prompts/get": "name", "resources/read": "uri" };

const clip = (text: string) => text.slice(0, maxStored);
const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return typeof value === "string" && value ? value : undefined;
};

/** Whether a request may carry a JSON-RPC call: MCP's Streamable HTTP and HTTP+SSE post them as JSON. */
export function mayCarryMcpCall(method: string, headers: IncomingHttpHeaders): boolean {
  return method === "POST" && /^application\/json\b/i.test(header(headers, "content-type") ?? "");
}

/** The call as MCP 2026-07-28 clients announce it in headers (`Mcp-Method`, `Mcp-Name`), when they do. */
export function announcedMcpCall(headers: IncomingHttpHeaders): McpCall | null {
  const method = header(headers, "mcp-method");
  return method ? { method: clip(method), name: header(headers, "mcp-name")?.slice(0, maxStored) ?? null, error: null } : null;
}

/**
 * The first bytes of a body as it streams past, for reading its head once it ends. Chunks are copied,
 * never held back: the body reaches its destination exactly as it would without the prefix.
 */
export class BodyPrefix {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  /** Whether the body was longer than what was kept (the prefix may be cut mid-JSON). */
  truncated = false;

  add(chunk: Uint8Array): void {
    if (this.size >= sniffBytes) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > sniffBytes - this.size ? chunk.subarray(0, sniffBytes - this.size) : chunk;
    this.truncated ||= kept.length < chunk.length;
    this.chunks.push(Buffer.from(kept));
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A batch is counted as its first message. */
const firstMessage = (value: unknown) => (Array.isArray(value) ? value[0] : value) as Record<string, unknown> | undefined;
const stringField = (text: string, field: string) => new RegExp(`"${field}"\\s*:\\s*"((?:[^"\\\\]|\\\\.){1,${maxStored}})"`).exec(text)?.[1];

/**
 * The JSON-RPC call a request body starts with, or null when it is not one. A body cut short by the
 * prefix (a large tool argument) is read as far as it goes: the method comes first in every client seen.
 */
export function mcpCallFromBody(prefix: BodyPrefix): McpCall | null {
  const text = prefix.text();
  const message = prefix.truncated ? undefined : firstMessage(parsed(text));
  if (message) {
    if (message.jsonrpc !== "2.0" || typeof message.method !== "string") return null;
    const params = message.params as Record<string, unknown> | undefined;
    const named = namedBy[message.method] && params?.[namedBy[message.method]];
    return { method: clip(message.method), name: typeof named === "string" ? clip(named) : null, error: null };
  }
  if (!/"jsonrpc"\s*:\s*"2\.0"/.test(text)) return null;
  const method = stringField(text, "method");
  if (!method) return null;
  const name = namedBy[method] ? (stringField(text, namedBy[method]) ?? null) : null;
  return { method, name, error: null };
}

/** Whether an answer may say if a call failed: JSON, or an event stream whose first event carries the answer. */
export function answerShowsOutcome(headers: OutgoingHttpHeaders): "json" | "event-stream" | null {
  const type = String(headers["content-type"] ?? "");
  if (/^application\/json\b/i.test(type)) return "json";
  if (/^text\/event-stream\b/i.test(type)) return "event-stream";
  return null;
}

/**
 * Whether the answer to a call failed: a JSON-RPC error, or a tool's own failure (`result.isError`), read
 * from a JSON body or from the first event of a stream. Null when unreadable.
 */
export function answeredWithError(prefix: BodyPrefix, kind: "json" | "event-stream"): boolean | null {
  const text = prefix.text();
  const json =
    kind === "json"
      ? text
      : (/(?:^|\n)((?:data:.*(?:\r?\n|$))+)/.exec(text)?.[1] ?? "")
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trimStart())
          .join("\n");
  const message = firstMessage(parsed(json));
  if (!message || typeof message !== "object") return null;
  return "error" in message || (message.result as { isError?: unknown } | undefined)?.isError === true;
}
