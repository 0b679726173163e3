import { createECDH, createHash, hkdfSync } from "node:crypto";

export interface SigningJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  d: string;
  kid: string;
  alg: "ES256";
  use: "sig";
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/**
 * The authorization server's ES256 key, derived from NEXTAUTH_SECRET: every instance given the same
 * secret signs and verifies with the same key, with nothing more to distribute, and the embedded mode's
 * generated secret gives it one too. Rotating the secret rotates the key (and signs everyone out).
 */
export function derivedSigningKey(secret: string): SigningJwk {
  const privateKey = new Uint8Array(hkdfSync("sha256", secret, "gatehouse", "Gatehouse OAuth ES256 signing key", 32));
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(privateKey);
  const point = ecdh.getPublicKey();
  const x = base64url(point.subarray(1, 33));
  const y = base64url(point.subarray(33, 65));
  const kid = createHash("sha256").update(`${x}.${y}`).digest("base64url").slice(0, 16);
  return { kty: "EC", crv: "P-256", x, y, d: base64url(privateKey), kid, alg: "ES256", use: "sig" };
}

/** Keys for the provider's signed cookies, from the same secret under another label. */
export function derivedCookieKey(secret: string): string {
  return Buffer.from(hkdfSync("sha256", secret, "gatehouse", "Gatehouse OAuth cookie key", 32)).toString("base64url");
}
