-- Link flows in progress and link URLs not yet used were started without the session they now
-- need: they end here, as a credential event ends them (the user asks for a new link URL).
DELETE FROM "IdentityFlow" WHERE "linkUserId" IS NOT NULL;
DELETE FROM "IdentityTicket" WHERE "purpose" = 'LINK';

-- DropForeignKey
ALTER TABLE "IdentityFlow" DROP CONSTRAINT "IdentityFlow_linkUserId_fkey";

-- AlterTable
ALTER TABLE "IdentityFlow" DROP COLUMN "linkUserId",
ADD COLUMN     "linkTicketId" UUID;

-- AlterTable
ALTER TABLE "IdentityTicket" ADD COLUMN     "sessionId" UUID;

-- CreateIndex
CREATE INDEX "IdentityFlow_linkTicketId_idx" ON "IdentityFlow"("linkTicketId");

-- CreateIndex
CREATE INDEX "IdentityTicket_sessionId_idx" ON "IdentityTicket"("sessionId");

-- AddForeignKey
ALTER TABLE "IdentityFlow" ADD CONSTRAINT "IdentityFlow_linkTicketId_fkey" FOREIGN KEY ("linkTicketId") REFERENCES "IdentityTicket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentityTicket" ADD CONSTRAINT "IdentityTicket_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

