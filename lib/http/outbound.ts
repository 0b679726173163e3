import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector } from "undici";

/**
 * Whether an address is anything but public unicast: loopback, private, link-local, carrier-grade NAT,
 * multicast, documentation, reserved, and the IPv6 forms that lead back into IPv4 or a private network
 * (NAT64 `64:ff9b::/96`, 6to4, Teredo, IPv4-compatible `::a.b.c.d`, site-local `fec0::/10`). Ranges come
 * from ipaddr.js, which tracks the IANA special-purpose registries. Only an IPv4-mapped address
 * (`::ffff:a.b.c.d`) is judged by the IPv4 address it carries.
 */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const literal = mapped ?? address;
  if (!ipaddr.isValid(literal)) return true;
  // ipaddr.js reads any dotted tail as IPv4-mapped; only the `::ffff:` form is, the rest is IPv4-compatible or stranger.
  if (!mapped && literal.includes(":") && literal.includes(".")) return true;
  return ipaddr.parse(literal).range() !== "unicast";
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
