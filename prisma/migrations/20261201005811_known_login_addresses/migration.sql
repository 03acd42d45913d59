-- CreateTable
CREATE TABLE "KnownLoginAddress" (
    "userId" UUID NOT NULL,
    "address" VARCHAR(64) NOT NULL,
    "lastLoginAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "KnownLoginAddress_pkey" PRIMARY KEY ("userId","address")
);

-- AddForeignKey
ALTER TABLE "KnownLoginAddress" ADD CONSTRAINT "KnownLoginAddress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

