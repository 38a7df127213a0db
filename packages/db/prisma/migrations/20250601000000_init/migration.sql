-- Initial schema: collections, sources, documents, index versions and their SQL-readable tables.
-- CreateEnum
CREATE TYPE "SourceKind" AS ENUM ('crawl', 'upload', 'file');

-- CreateEnum
CREATE TYPE "IndexStatus" AS ENUM ('building', 'published', 'failed', 'superseded');

-- CreateTable
CREATE TABLE "Collection" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Collection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Source" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "collectionId" UUID NOT NULL,
    "kind" "SourceKind" NOT NULL,
    "spec" JSONB NOT NULL,
    "schedule" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Document" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "collectionId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "url" TEXT,
    "title" TEXT NOT NULL,
    "rawText" TEXT,
    "contentHash" TEXT NOT NULL,
    "fetchMeta" JSONB NOT NULL DEFAULT '{}',
    "entity" JSONB NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Document_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IndexVersion" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "collectionId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "status" "IndexStatus" NOT NULL DEFAULT 'building',
    "stats" JSONB NOT NULL DEFAULT '{}',
    "data" BYTEA,
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "IndexVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LexiconEntry" (
    "versionId" UUID NOT NULL,
    "token" TEXT NOT NULL,
    "display" TEXT NOT NULL,
    "count" DOUBLE PRECISION NOT NULL,
    "df" INTEGER NOT NULL,

    CONSTRAINT "LexiconEntry_pkey" PRIMARY KEY ("versionId","token")
);

-- CreateTable
CREATE TABLE "XEmbedding" (
    "versionId" UUID NOT NULL,
    "token" TEXT NOT NULL,
    "related" TEXT NOT NULL,
    "pmi" DOUBLE PRECISION NOT NULL,
    "nab" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "XEmbedding_pkey" PRIMARY KEY ("versionId","token","related")
);

-- CreateTable
CREATE TABLE "TokenCategory" (
    "versionId" UUID NOT NULL,
    "token" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "count" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "TokenCategory_pkey" PRIMARY KEY ("versionId","token","category")
);

-- CreateIndex
CREATE UNIQUE INDEX "Collection_name_key" ON "Collection"("name");

-- CreateIndex
CREATE INDEX "Source_collectionId_idx" ON "Source"("collectionId");

-- CreateIndex
CREATE UNIQUE INDEX "Document_collectionId_externalId_key" ON "Document"("collectionId", "externalId");

-- CreateIndex
CREATE INDEX "IndexVersion_collectionId_status_idx" ON "IndexVersion"("collectionId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "IndexVersion_collectionId_version_key" ON "IndexVersion"("collectionId", "version");

-- AddForeignKey
ALTER TABLE "Source" ADD CONSTRAINT "Source_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Document" ADD CONSTRAINT "Document_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IndexVersion" ADD CONSTRAINT "IndexVersion_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LexiconEntry" ADD CONSTRAINT "LexiconEntry_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "IndexVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "XEmbedding" ADD CONSTRAINT "XEmbedding_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "IndexVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TokenCategory" ADD CONSTRAINT "TokenCategory_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "IndexVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

