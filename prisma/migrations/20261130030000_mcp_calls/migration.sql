-- MCP calls: the method, name and JSON-RPC error of each request-log row, and hourly rollups per method and name.
ALTER TABLE "RequestLog" ADD COLUMN "mcpMethod" TEXT;
ALTER TABLE "RequestLog" ADD COLUMN "mcpName" TEXT;
ALTER TABLE "RequestLog" ADD COLUMN "mcpError" BOOLEAN;

CREATE TABLE "McpRollup" (
    "deploymentId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "method" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "calls" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "latencyBuckets" INTEGER[],

    CONSTRAINT "McpRollup_pkey" PRIMARY KEY ("deploymentId","hour","method","name")
);

CREATE INDEX "McpRollup_hour_idx" ON "McpRollup"("hour");

ALTER TABLE "McpRollup" ADD CONSTRAINT "McpRollup_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
