/**
 * Whether a redirect target is a path on the origin that sends it. Browsers read `//host` and `/\host`
 * as other hosts, and drop tabs and newlines before deciding (`/\t/evil.example` leaves the site), so
 * none of them pass.
 */
export function isSameOriginPath(value: string): boolean {
  return value.startsWith("/") && !value.startsWith("//") && ![...value].some(unsafeInPath);
}

function unsafeInPath(character: string): boolean {
  const code = character.charCodeAt(0);
  return code < 0x20 || code === 0x7f || character === "\\";
}
