import { bodyTooLarge } from "@/lib/http/problems";

/** Hub bodies (API forms, OAuth registrations and consent) are small; anything larger is refused before it is read whole. */
const maxHubBodyBytes = 64 * 1024;

/**
 * A request body of at most `maxHubBodyBytes`, from a web stream (Next's handlers) or a node request (the
 * OAuth server in server.ts, iterated without destroying it so the refusal can still be answered). A
 * larger declared length is refused unread; a body that grows past the cap is refused as soon as it
 * does, the rest left unread. Throws `bodyTooLarge`.
 */
export async function readCappedBody(chunks: AsyncIterable<Uint8Array> | null, declaredLength: string | null | undefined): Promise<Buffer> {
  if (Number(declaredLength ?? 0) > maxHubBodyBytes) throw bodyTooLarge(maxHubBodyBytes);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks ?? []) {
    size += chunk.length;
    if (size > maxHubBodyBytes) throw bodyTooLarge(maxHubBodyBytes);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
