-- A stored index compresses with LZ4 where the server has it: 1 MiB chunks of varints left to the default pglz took
-- 13 s to store for a 424 MB index (285 MB stored), with LZ4 5 s (299 MB). A server built without LZ4 (the embedded
-- database among them) keeps pglz. Only values written from now on are affected.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE "IndexChunk" ALTER COLUMN data SET COMPRESSION lz4;
  END IF;
END
$$;
