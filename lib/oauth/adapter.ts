import { pool } from "@/lib/db";

/** What oidc-provider stores: its own JSON, with the fields the adapter indexes. */
interface Payload {
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  consumed?: number;
  [key: string]: unknown;
}

// Times travel as ISO strings cast to `timestamp`: UTC whatever the session's zone.
const upsert = `
  insert into "OAuthRecord" ("kind", "id", "payload", "grantId", "uid", "userCode", "accountId", "clientId", "expiresAt")
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamp)
  on conflict ("kind", "id") do update set "payload" = excluded."payload", "grantId" = excluded."grantId",
    "uid" = excluded."uid", "userCode" = excluded."userCode", "accountId" = excluded."accountId",
    "clientId" = excluded."clientId", "expiresAt" = excluded."expiresAt"`;
const live = `("expiresAt" is null or "expiresAt" > $2::timestamp)`;
const selectPayload = (column: string) => `
  select "payload", (extract(epoch from "consumedAt"))::float8 as "consumedAt" from "OAuthRecord" where "kind" = $1 and "${column}" = $3 and ${live} limit 1`;
const byId = selectPayload("id");
const byUid = selectPayload("uid");
const byUserCode = selectPayload("userCode");
const consume = `update "OAuthRecord" set "consumedAt" = $3::timestamp where "kind" = $1 and "id" = $2`;
const destroy = `delete from "OAuthRecord" where "kind" = $1 and "id" = $2`;
// Every artifact of a grant goes with it (its refresh tokens, codes, and the grant itself), whatever kind asked.
const revokeGrant = `delete from "OAuthRecord" where "grantId" = $1 or ("kind" = 'Grant' and "id" = $1)`;
const sweep = `delete from "OAuthRecord" where "expiresAt" < $1::timestamp`;

const sweepEveryMs = 60_000;
let lastSweep = 0;

/** Expired artifacts are deleted as new ones are written, at most once a minute per process. */
function sweepExpired(): void {
  const now = Date.now();
  if (now - lastSweep < sweepEveryMs) return;
  lastSweep = now;
  pool()
    .query(sweep, [new Date(now).toISOString()])
    .catch(() => {});
}

/**
 * oidc-provider's storage in PostgreSQL, one class per model name (`kind`), shared by every instance.
 * Consumption is a column, as the provider expects: a code or refresh token presented twice is found consumed.
 */
export class PostgresOAuthAdapter {
  constructor(private readonly kind: string) {}

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    sweepExpired();
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000).toISOString() : null;
    await pool().query(upsert, [
      this.kind,
      id,
      JSON.stringify(payload),
      payload.grantId ?? null,
      payload.uid ?? null,
      payload.userCode ?? null,
      payload.accountId ?? null,
      payload.clientId ?? null,
      expiresAt,
    ]);
  }

  find(id: string): Promise<Payload | undefined> {
    return this.select(byId, id);
  }

  findByUid(uid: string): Promise<Payload | undefined> {
    return this.select(byUid, uid);
  }

  findByUserCode(userCode: string): Promise<Payload | undefined> {
    return this.select(byUserCode, userCode);
  }

  async consume(id: string): Promise<void> {
    await pool().query(consume, [this.kind, id, new Date().toISOString()]);
  }

  async destroy(id: string): Promise<void> {
    await pool().query(destroy, [this.kind, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await pool().query(revokeGrant, [grantId]);
  }

  private async select(query: string, value: string): Promise<Payload | undefined> {
    const { rows } = await pool().query(query, [this.kind, new Date().toISOString(), value]);
    const row = rows[0] as { payload: Payload; consumedAt: number | null } | undefined;
    if (!row) return undefined;
    return row.consumedAt === null ? row.payload : { ...row.payload, consumed: Math.floor(row.consumedAt) };
  }
}
