-- CreateEnum
CREATE TYPE "RateLimitAlgorithm" AS ENUM ('sliding', 'token');

-- AlterTable
ALTER TABLE "Deployment" ADD COLUMN     "rateLimit" INTEGER,
ADD COLUMN     "rateLimitAlgorithm" "RateLimitAlgorithm" NOT NULL DEFAULT 'sliding',
ADD COLUMN     "rateLimitBurst" INTEGER,
ADD COLUMN     "rateLimitWindowSeconds" INTEGER;

-- CreateTable
CREATE TABLE "DeploymentEvent" (
    "id" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "from" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "DeploymentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DeploymentEvent_deploymentId_at_idx" ON "DeploymentEvent"("deploymentId", "at");

-- AddForeignKey
ALTER TABLE "DeploymentEvent" ADD CONSTRAINT "DeploymentEvent_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

