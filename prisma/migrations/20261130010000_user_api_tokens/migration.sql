-- API tokens users manage themselves: a display prefix, an optional expiry, an optional scope of
-- deployments (empty: all of the user's), and when the token was last used.
ALTER TABLE "ApiToken" ADD COLUMN "prefix" TEXT NOT NULL DEFAULT '';
ALTER TABLE "ApiToken" ADD COLUMN "expiresAt" TIMESTAMP(3);
ALTER TABLE "ApiToken" ADD COLUMN "deploymentIds" TEXT[] DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "ApiToken" ADD COLUMN "lastUsedAt" TIMESTAMP(3);
