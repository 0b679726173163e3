
-- CreateEnum
CREATE TYPE "AlertKind" AS ENUM ('error_rate', 'latency_p95', 'circuit_open', 'rate_limited', 'not_running');

-- CreateEnum
CREATE TYPE "AlertState" AS ENUM ('ok', 'firing');

-- CreateTable
CREATE TABLE "RequestRollup" (
    "deploymentId" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "requests" INTEGER NOT NULL,
    "status1xx" INTEGER NOT NULL,
    "status2xx" INTEGER NOT NULL,
    "status3xx" INTEGER NOT NULL,
    "status4xx" INTEGER NOT NULL,
    "status5xx" INTEGER NOT NULL,
    "rateLimited" INTEGER NOT NULL,
    "durationMsSum" BIGINT NOT NULL,
    "latencyBuckets" INTEGER[],
    "bytesIn" BIGINT NOT NULL,
    "bytesOut" BIGINT NOT NULL,

    CONSTRAINT "RequestRollup_pkey" PRIMARY KEY ("deploymentId","minute")
);

-- CreateTable
CREATE TABLE "RequestBreakdown" (
    "deploymentId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "dimension" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,

    CONSTRAINT "RequestBreakdown_pkey" PRIMARY KEY ("deploymentId","hour","dimension","value")
);

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "threshold" DOUBLE PRECISION,
    "windowMinutes" INTEGER NOT NULL DEFAULT 5,
    "webhookUrl" TEXT,
    "webhookSecret" TEXT,
    "state" "AlertState" NOT NULL DEFAULT 'ok',
    "lastValue" DOUBLE PRECISION,
    "evaluatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "state" "AlertState" NOT NULL,
    "value" DOUBLE PRECISION,
    "message" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),
    "webhookStatus" TEXT,
    "webhookAttempts" INTEGER NOT NULL DEFAULT 0,
    "webhookNextAttemptAt" TIMESTAMP(3),
    "webhookLastError" TEXT,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RequestRollup_minute_idx" ON "RequestRollup"("minute");

-- CreateIndex
CREATE INDEX "RequestBreakdown_hour_idx" ON "RequestBreakdown"("hour");

-- CreateIndex
CREATE INDEX "AlertRule_deploymentId_idx" ON "AlertRule"("deploymentId");

-- CreateIndex
CREATE INDEX "Alert_userId_at_idx" ON "Alert"("userId", "at");

-- CreateIndex
CREATE INDEX "Alert_deploymentId_at_idx" ON "Alert"("deploymentId", "at");

-- CreateIndex
CREATE INDEX "Alert_webhookStatus_webhookNextAttemptAt_idx" ON "Alert"("webhookStatus", "webhookNextAttemptAt");

-- AddForeignKey
ALTER TABLE "RequestRollup" ADD CONSTRAINT "RequestRollup_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestBreakdown" ADD CONSTRAINT "RequestBreakdown_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertRule" ADD CONSTRAINT "AlertRule_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "AlertRule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

