-- An index version is a chain: a full snapshot, or a delta segment (the documents changed since its parent) on top
-- of the chain of its parent. Versions stored before are full snapshots of their own chain.

-- AlterTable
ALTER TABLE "IndexVersion" ADD COLUMN     "baseVersion" INTEGER,
ADD COLUMN     "docsAsOf" TIMESTAMPTZ(3),
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'full',
ADD COLUMN     "parentVersion" INTEGER;

UPDATE "IndexVersion" SET "baseVersion" = version;

-- CreateIndex
CREATE INDEX "Document_collectionId_updatedAt_idx" ON "Document"("collectionId", "updatedAt");
