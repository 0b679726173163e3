-- The OAuth authorization server's artifacts (oidc-provider's adapter), shared by every instance.
CREATE TABLE "OAuthRecord" (
    "kind" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "grantId" TEXT,
    "uid" TEXT,
    "userCode" TEXT,
    "accountId" TEXT,
    "clientId" TEXT,
    "expiresAt" TIMESTAMP(3),
    "consumedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OAuthRecord_pkey" PRIMARY KEY ("kind","id")
);

CREATE INDEX "OAuthRecord_grantId_idx" ON "OAuthRecord"("grantId");
CREATE INDEX "OAuthRecord_uid_idx" ON "OAuthRecord"("uid");
CREATE INDEX "OAuthRecord_userCode_idx" ON "OAuthRecord"("userCode");
CREATE INDEX "OAuthRecord_accountId_kind_idx" ON "OAuthRecord"("accountId", "kind");
CREATE INDEX "OAuthRecord_expiresAt_idx" ON "OAuthRecord"("expiresAt");
