/**
 * The bench's peer: the same NestJS (fastify) app a team would write over SQLite FTS5, answering the gateway's
 * query route from the same pages. FTS5 table as the CLI bench's peer (porter stemmer over unicode61, columns title
 * and body = title, headings and text, the prompt's words quoted and OR'ed), top 10 by `bm25(t, 10.0, 1.0)` with a
 * `snippet()` of the body each: a ranked, cited list, not the gateway's full answer.
 */
import Database from 'better-sqlite3';
import type { Entity } from '@lexigraph/core';
import { FTS5_CREATE, FTS5_INSERT, fts5Query, peerBody } from '@lexigraph/cli';

const SEARCH =
  "SELECT rowid, title, bm25(t, 10.0, 1.0) AS score, snippet(t, 1, '', '', '…', 24) AS snippet FROM t WHERE t MATCH ? ORDER BY score LIMIT 10";

interface Row {
  rowid: number;
  title: string;
  score: number;
  snippet: string;
}

/** Starts the peer on a free loopback port; resolves to its query URL and a close function. */
export async function startFts5Peer(entities: readonly Entity[], collection: string): Promise<{ url: string; close: () => Promise<void> }> {
  const { Body, Controller, HttpCode, Module, Param, Post } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const db = new Database(':memory:');
  db.exec(FTS5_CREATE);
  const insert = db.prepare<[number, string, string]>(FTS5_INSERT);
  db.transaction(() => entities.forEach((e, i) => insert.run(i, e.title, peerBody(e))))();
  const search = db.prepare<[string], Row>(SEARCH);

  @Controller('v1/collections')
  class Fts5Controller {
    @Post(':collection/query')
    @HttpCode(200)
    query(@Param('collection') name: string, @Body() body: { prompt?: unknown }) {
      const prompt = typeof body?.prompt === 'string' ? body.prompt : '';
      const match = fts5Query(prompt);
      const rows = match ? search.all(match) : [];
      return {
        prompt,
        collection: name,
        results: rows.map((r) => {
          const e = entities[r.rowid] as Entity;
          return { id: e.id, title: r.title, url: e.url, score: -r.score, snippet: r.snippet };
        }),
      };
    }
  }
  @Module({ controllers: [Fts5Controller] })
  class Fts5Module {}
  const app = await NestFactory.create(Fts5Module, new FastifyAdapter(), { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/v1/collections/${collection}/query`,
    close: async () => {
      await app.close();
      db.close();
    },
  };
}
