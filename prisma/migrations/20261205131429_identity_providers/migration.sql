-- CreateEnum
CREATE TYPE "IdentityTicketPurpose" AS ENUM ('LOGIN_CODE', 'LINK');

-- AlterTable
ALTER TABLE "User" ALTER COLUMN "passwordHash" DROP NOT NULL;

-- CreateTable
CREATE TABLE "UserIdentity" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "provider" VARCHAR(64) NOT NULL,
    "subject" VARCHAR(255) NOT NULL,
    "email" TEXT,
    "linkedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdentityFlow" (
    "id" UUID NOT NULL,
    "stateHash" TEXT NOT NULL,
    "provider" VARCHAR(64) NOT NULL,
    "nonce" TEXT NOT NULL,
    "codeVerifier" TEXT NOT NULL,
    "returnTo" TEXT NOT NULL,
    "bindingHash" TEXT NOT NULL,
    "linkUserId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IdentityFlow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdentityTicket" (
    "id" UUID NOT NULL,
    "purpose" "IdentityTicketPurpose" NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "provider" VARCHAR(64) NOT NULL,
    "bindingHash" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),

    CONSTRAINT "IdentityTicket_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "UserIdentity_provider_subject_key" ON "UserIdentity"("provider", "subject");

-- CreateIndex
CREATE UNIQUE INDEX "UserIdentity_userId_provider_key" ON "UserIdentity"("userId", "provider");

-- CreateIndex
CREATE UNIQUE INDEX "IdentityFlow_stateHash_key" ON "IdentityFlow"("stateHash");

-- CreateIndex
CREATE INDEX "IdentityFlow_expiresAt_idx" ON "IdentityFlow"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "IdentityTicket_tokenHash_key" ON "IdentityTicket"("tokenHash");

-- CreateIndex
CREATE INDEX "IdentityTicket_userId_idx" ON "IdentityTicket"("userId");

-- CreateIndex
CREATE INDEX "IdentityTicket_expiresAt_idx" ON "IdentityTicket"("expiresAt");

-- AddForeignKey
ALTER TABLE "UserIdentity" ADD CONSTRAINT "UserIdentity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentityFlow" ADD CONSTRAINT "IdentityFlow_linkUserId_fkey" FOREIGN KEY ("linkUserId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentityTicket" ADD CONSTRAINT "IdentityTicket_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

