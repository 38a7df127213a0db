// The generated Prisma client (prisma/schema.prisma -> generated/client, produced by `npm run build` or
// `node scripts/generate.js`). This is the one place that imports it.
export { PrismaClient, Prisma } from '../generated/client';
export type {
  Collection,
  Document,
  IndexVersion,
  LexiconEntry,
  XEmbedding,
  TokenCategory,
  Source,
  SourceKind,
  IndexStatus,
} from '../generated/client';
