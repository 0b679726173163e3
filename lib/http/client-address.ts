import { config } from "@/lib/config";
import { clientFacts } from "@/lib/gateway/headers";
import { peerAddressHeader } from "@/lib/gateway/next-adapter";

/**
 * The client's address for a hub route: the socket's, which server.ts stamps on the request, or with
 * GATEWAY_TRUSTED_PROXIES the address those proxies vouch for (as the gateway reads it).
 */
export function clientAddressOf(request: Request): string {
  const headers = Object.fromEntries(request.headers);
  return clientFacts(headers, headers[peerAddressHeader] ?? "", false, config().GATEWAY_TRUSTED_PROXIES).clientAddress;
}
