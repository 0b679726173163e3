import type { IncomingHttpHeaders } from "node:http";
import { isIPv4, isIPv6 } from "node:net";
import geoip from "geoip-country";

export type AddressLogging = "truncated" | "full" | "none";

/** The client address as configured for storage: /24 for IPv4, /48 for IPv6, whole, or not at all. */
export function storedAddress(address: string, mode: AddressLogging): string | null {
  if (mode === "none" || !address) return null;
  const plain = address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (mode === "full") return plain;
  if (isIPv4(plain)) return `${plain.split(".").slice(0, 3).join(".")}.0/24`;
  if (isIPv6(plain)) {
    const [head] = plain.split("::");
    const groups = head.split(":").filter(Boolean);
    return `${[...groups, "0", "0", "0"].slice(0, 3).join(":")}::/48`;
  }
  return null;
}

const families: [RegExp, string][] = [
  [/bot|crawler|spider|crawling/i, "Bot"],
  [/curl\//i, "curl"],
  [/wget\//i, "Wget"],
  [/python-requests|python-urllib|aiohttp|httpx/i, "Python"],
  [/node-fetch|undici|axios|node\.js|^node$/i, "Node.js"],
  [/Go-http-client/i, "Go"],
  [/Edg\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrome\/|Chromium\/|CriOS\//, "Chrome"],
  [/Safari\//, "Safari"],
];

/** A coarse user-agent family for the dashboard's breakdown; "Other" when nothing matches. */
export function userAgentFamily(userAgent: string | undefined): string | null {
  if (!userAgent) return null;
  return families.find(([pattern]) => pattern.test(userAgent))?.[1] ?? "Other";
}

/**
 * The client's country: from a trusted CDN header when one is configured and it names a country, else
 * from the IP-to-country database shipped in the geoip-country package (loaded once, in memory; private
 * and unlisted addresses stay unknown). Two letters, or null.
 */
export function clientCountry(headers: IncomingHttpHeaders, header: string | undefined, address: string): string | null {
  if (header) {
    const value = String(headers[header] ?? "")
      .trim()
      .toUpperCase();
    if (/^[A-Z]{2}$/.test(value) && value !== "XX" && value !== "T1") return value;
  }
  return address ? (geoip.lookup(address)?.country ?? null) : null;
}
