-- Which way a request reached its deployment: the hub's gateway path or the deployment's own origin.
ALTER TABLE "RequestLog" ADD COLUMN "via" TEXT NOT NULL DEFAULT 'gateway-path';

-- App sessions issued before this moment are no longer accepted (set when the user signs out of the hub).
ALTER TABLE "User" ADD COLUMN "appSessionsValidAfter" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "AppHandoffCode" (
    "codeHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "returnPath" TEXT NOT NULL,
    "sessionExpiresAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AppHandoffCode_pkey" PRIMARY KEY ("codeHash")
);

-- CreateIndex
CREATE INDEX "AppHandoffCode_expiresAt_idx" ON "AppHandoffCode"("expiresAt");

-- AddForeignKey
ALTER TABLE "AppHandoffCode" ADD CONSTRAINT "AppHandoffCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AppHandoffCode" ADD CONSTRAINT "AppHandoffCode_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
