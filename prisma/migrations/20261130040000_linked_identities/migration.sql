-- OAuth provider accounts linked to users explicitly, instead of merging by email.
CREATE TABLE "LinkedIdentity" (
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LinkedIdentity_pkey" PRIMARY KEY ("provider","providerAccountId")
);

CREATE INDEX "LinkedIdentity_userId_idx" ON "LinkedIdentity"("userId");

ALTER TABLE "LinkedIdentity" ADD CONSTRAINT "LinkedIdentity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
