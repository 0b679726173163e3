import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { Agent, buildConnector } from "undici";

// Addresses a request chosen by a user (a webhook URL) must never reach unless the operator allows it:
// the platform's own network, where deployments and internal services listen.
const internal = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const) {
  internal.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 127],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internal.addSubnet(network, prefix, "ipv6");

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return internal.check(mapped, "ipv4");
  const family = isIP(address);
  return family === 0 ? true : internal.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** A URL's host that is an internal address itself, or `localhost`: refused without a lookup. */
export function namesInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  return isIP(host) !== 0 && isInternalAddress(host);
}

class InternalAddressError extends Error {
  constructor(host: string) {
    super(`${host} resolves to an internal address; webhooks may only reach public addresses`);
    this.name = "InternalAddressError";
  }
}

/** DNS resolution that refuses internal answers, so a name cannot smuggle a request inside after validation. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const allowed = addresses.filter((entry) => !isInternalAddress(entry.address));
    if (!allowed.length) return callback(new InternalAddressError(hostname), "", 0);
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
    callback(null, allowed[0].address, allowed[0].family);
  });
};

/**
 * An undici dispatcher for requests to URLs users chose: with `allowInternal` false it connects to public
 * addresses only (literal IPs checked before connecting, names checked as they resolve).
 */
export function outboundDispatcher(allowInternal: boolean): Agent {
  if (allowInternal) return new Agent();
  const connectPublicly = buildConnector({ lookup: publicLookup });
  return new Agent({
    connect: (options, callback) => {
      // Node skips the lookup for a literal address, so those are checked here.
      if (namesInternalHost(options.hostname)) return callback(new InternalAddressError(options.hostname), null);
      connectPublicly(options, callback);
    },
  });
}
