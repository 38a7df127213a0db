-- A full snapshot that merges a chain may carry the delta from the version it replaces (its "bridge"), so a reader
-- that holds that version applies the delta in place instead of loading the whole snapshot.

-- AlterTable
ALTER TABLE "IndexVersion" ADD COLUMN     "bridge" BYTEA;
