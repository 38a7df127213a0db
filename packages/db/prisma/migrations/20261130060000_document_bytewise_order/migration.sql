-- The documents of a collection in bytewise id order (entityPages reads them in pages by keyset on this order): a
-- range scan of this index per page, where the unique index in the database's collation left each page a scan and
-- sort of the whole collection.
CREATE INDEX "Document_collectionId_externalId_bytewise_idx" ON "Document" ("collectionId", "externalId" COLLATE "C");
