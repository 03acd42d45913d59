-- The security event log (src/auth/securityEvents/, docs/security.md "Security event log"). No foreign
-- keys: an event outlives the session it names (deleted a day after it ends), and ACCOUNT_DELETED
-- outlives its account. Two indexes: one user's events newest first, and all events by time (the
-- admins' list and the retention cleanup).

-- CreateTable
CREATE TABLE "SecurityEvent" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "kind" VARCHAR(64) NOT NULL,
    "actorId" UUID,
    "sessionId" UUID,
    "ip" TEXT,
    "userAgent" TEXT,
    "detail" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SecurityEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SecurityEvent_userId_createdAt_id_idx" ON "SecurityEvent"("userId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "SecurityEvent_createdAt_id_idx" ON "SecurityEvent"("createdAt" DESC, "id" DESC);

