-- CreateTable
CREATE TABLE "RequestLog" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "requestId" TEXT NOT NULL,
    "userId" TEXT,
    "deploymentId" TEXT,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "ttfbMs" INTEGER,
    "bytesIn" BIGINT NOT NULL,
    "bytesOut" BIGINT NOT NULL,
    "country" TEXT,
    "clientAddress" TEXT,
    "userAgentFamily" TEXT,

    CONSTRAINT "RequestLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RequestLog_deploymentId_at_idx" ON "RequestLog"("deploymentId", "at");

-- CreateIndex
CREATE INDEX "RequestLog_at_idx" ON "RequestLog"("at");

