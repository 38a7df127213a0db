-- The serialized index moves from one bytea per version ("IndexVersion".data, capped at 1 GB by PostgreSQL) to
-- "IndexChunk" rows of at most 8 MiB each. Existing versions are moved here, so readers know one layout only.

-- AlterTable
ALTER TABLE "IndexVersion" ADD COLUMN     "dataBytes" BIGINT;

-- CreateTable
CREATE TABLE "IndexChunk" (
    "versionId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "IndexChunk_pkey" PRIMARY KEY ("versionId","seq")
);

-- AddForeignKey
ALTER TABLE "IndexChunk" ADD CONSTRAINT "IndexChunk_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "IndexVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Move the stored bytes: chunk k holds bytes [k * 8 MiB, (k + 1) * 8 MiB); an empty index gets no chunk.
INSERT INTO "IndexChunk" ("versionId", "seq", "data")
SELECT v."id", s.seq, substring(v."data" FROM s.seq * 8388608 + 1 FOR 8388608)
FROM "IndexVersion" v
CROSS JOIN LATERAL generate_series(0, (octet_length(v."data") - 1) / 8388608) AS s(seq)
WHERE v."data" IS NOT NULL AND octet_length(v."data") > 0;

UPDATE "IndexVersion" SET "dataBytes" = octet_length("data") WHERE "data" IS NOT NULL;

-- Clear the old values before dropping the column: a dropped column's values would stay on disk until each row is
-- rewritten, while cleared ones are freed by the next vacuum.
UPDATE "IndexVersion" SET "data" = NULL WHERE "data" IS NOT NULL;

-- AlterTable
ALTER TABLE "IndexVersion" DROP COLUMN "data";
