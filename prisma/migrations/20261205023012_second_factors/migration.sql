-- CreateEnum
CREATE TYPE "SecondFactorKind" AS ENUM ('TOTP');

-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "amr" TEXT[] DEFAULT ARRAY['pwd']::TEXT[],
ADD COLUMN     "assuranceLevel" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "authTime" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- Sessions that exist already were authenticated by a password when they started.
UPDATE "Session" SET "authTime" = "createdAt";

-- CreateTable
CREATE TABLE "SecondFactor" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "kind" "SecondFactorKind" NOT NULL,
    "sealedSecret" TEXT NOT NULL,
    "lastUsedStep" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),

    CONSTRAINT "SecondFactor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PendingTotpEnrollment" (
    "userId" UUID NOT NULL,
    "sealedSecret" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PendingTotpEnrollment_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "RecoveryCode" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "codeHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" TIMESTAMPTZ(3),

    CONSTRAINT "RecoveryCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SecondFactor_userId_idx" ON "SecondFactor"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "RecoveryCode_userId_codeHash_key" ON "RecoveryCode"("userId", "codeHash");

-- AddForeignKey
ALTER TABLE "SecondFactor" ADD CONSTRAINT "SecondFactor_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PendingTotpEnrollment" ADD CONSTRAINT "PendingTotpEnrollment_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecoveryCode" ADD CONSTRAINT "RecoveryCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand (Prisma does not model triggers); see *_auth_change_notifications.
-- A session's level, amr and auth_time decide what its tokens may do, so a change to them must
-- reach every process's cached copy, as a change to revokedAt does.
DROP TRIGGER "Session_auth_change_update" ON "Session";
CREATE TRIGGER "Session_auth_change_update"
AFTER UPDATE OF "userId", "revokedAt", "expiresAt", "assuranceLevel", "amr", "authTime" ON "Session"
FOR EACH ROW
WHEN (OLD."userId" IS DISTINCT FROM NEW."userId"
   OR OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt"
   OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt"
   OR OLD."assuranceLevel" IS DISTINCT FROM NEW."assuranceLevel"
   OR OLD."amr" IS DISTINCT FROM NEW."amr"
   OR OLD."authTime" IS DISTINCT FROM NEW."authTime")
EXECUTE FUNCTION "notify_auth_change"('session');

-- Whether a user has a second factor is cached with the user: adding or removing one publishes
-- "user:<userId>", so that every process drops that user's entry at once.
CREATE FUNCTION "notify_auth_change_of_owner"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('auth_changes', 'user:' || OLD."userId"::text);
  ELSE
    PERFORM pg_notify('auth_changes', 'user:' || NEW."userId"::text);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "SecondFactor_auth_change"
AFTER INSERT OR DELETE ON "SecondFactor"
FOR EACH ROW
EXECUTE FUNCTION "notify_auth_change_of_owner"();
