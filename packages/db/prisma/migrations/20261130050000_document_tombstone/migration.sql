-- AlterTable
ALTER TABLE "Document" ADD COLUMN     "tombstone" BOOLEAN NOT NULL DEFAULT false;
