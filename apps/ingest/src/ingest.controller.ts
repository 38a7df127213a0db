import type { IncomingMessage } from 'node:http';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { AppError, CreateCollectionBody, parseOrThrow, SourceBody } from '@lexigraph/contracts';
import { assertCollection, CurrentPrincipal, mayUseCollection, recordAudit, RequireScope, type Principal } from '@lexigraph/auth';
import { parseParamLayer } from '@lexigraph/pipeline';
import { collectionParam, IngestService } from './ingest.service';
import { readUpload } from './upload';

interface StatusResponse {
  status(code: number): StatusResponse;
}

/**
 * Collections, sources, documents and jobs. Every route needs a key with the `ingest` scope that may use the
 * collection involved (the guard checks the `:c` parameter; routes that name the collection elsewhere check it
 * here). Each change is written to the audit trail with who made it.
 */
@Controller('v1')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  /** Creates a collection (201) or replaces the configuration of an existing one (200). */
  @Post('collections')
  @RequireScope('ingest')
  async createCollection(@Body() body: unknown, @Res({ passthrough: true }) res: StatusResponse, @CurrentPrincipal() principal: Principal) {
    const config = parseOrThrow(CreateCollectionBody, body ?? {}, 'collection');
    assertCollection(principal, config.name);
    parseParamLayer(config.defaults, 'defaults');
    const { created, view } = await this.ingest.createCollection(config);
    await recordAudit(this.ingest.db.audit, principal, { action: created ? 'collection.create' : 'collection.update', collection: config.name });
    res.status(created ? 201 : 200);
    return view;
  }

  @Get('collections/:c')
  @RequireScope('ingest', 'c')
  getCollection(@Param('c') c: string) {
    return this.ingest.getCollection(collectionParam(c));
  }

  /** A crawl: seeds, include / exclude, depth and page limits, allowPrivate, schedule. 202: the seeds are queued. */
  @Post('collections/:c/sources')
  @RequireScope('ingest', 'c')
  @HttpCode(202)
  async addSource(@Param('c') c: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const collection = collectionParam(c);
    const accepted = await this.ingest.addSource(collection, parseOrThrow(SourceBody, body ?? {}, 'source'));
    await recordAudit(this.ingest.db.audit, principal, {
      action: 'source.create',
      collection,
      target: accepted.sourceId,
      details: { seeds: accepted.jobs.length, schedule: accepted.schedule },
    });
    return accepted;
  }

  /** Entities as a JSON array or JSON Lines, streamed with a size limit. 202: stored, index build queued. */
  @Post('collections/:c/documents')
  @RequireScope('ingest', 'c')
  @HttpCode(202)
  async upload(@Param('c') c: string, @Req() req: IncomingMessage, @CurrentPrincipal() principal: Principal) {
    const collection = collectionParam(c);
    await this.ingest.getCollection(collection);
    const entities = await readUpload(req, this.ingest.config.maxUploadBytes);
    const report = await this.ingest.storeDocuments(collection, entities);
    await recordAudit(this.ingest.db.audit, principal, {
      action: 'documents.upload',
      collection,
      details: { received: report.received, inserted: report.inserted, updated: report.updated, unchanged: report.unchanged },
    });
    return { collection, received: report.received, kept: report.kept, duplicates: report.dropped.length, inserted: report.inserted, updated: report.updated, unchanged: report.unchanged, jobs: report.jobs };
  }

  /** Deletes the collection: documents, index versions, segments, snapshot files, queued jobs, schedules. */
  @Delete('collections/:c')
  @RequireScope('ingest', 'c')
  async deleteCollection(@Param('c') c: string, @CurrentPrincipal() principal: Principal) {
    const collection = collectionParam(c);
    const removed = await this.ingest.deleteCollection(collection);
    await recordAudit(this.ingest.db.audit, principal, { action: 'collection.delete', collection });
    return { collection, deleted: true, ...removed };
  }

  @Delete('collections/:c/documents/:id')
  @RequireScope('ingest', 'c')
  @HttpCode(202)
  async deleteDocument(@Param('c') c: string, @Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const collection = collectionParam(c);
    const { jobs } = await this.ingest.deleteDocument(collection, id);
    await recordAudit(this.ingest.db.audit, principal, { action: 'document.delete', collection, target: id });
    return { collection, id, deleted: true, jobs };
  }

  /** One crawl run (`?run=<runId>`, default the latest): pages fetched, blocked and skipped by reason, pages/s. */
  @Get('collections/:c/progress')
  @RequireScope('ingest', 'c')
  progress(@Param('c') c: string, @Query('run') run?: unknown) {
    if (run !== undefined && (typeof run !== 'string' || run.length === 0 || run.length > 200)) {
      throw new AppError('VALIDATION', 'run: a crawl run id (the runId a source answered), at most 200 characters', { field: 'run' });
    }
    return this.ingest.progress(collectionParam(c), run);
  }

  /** A job of a collection the key may use; any other job is a 404, as if it did not exist. */
  @Get('jobs/:id')
  @RequireScope('ingest')
  async job(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const job = await this.ingest.job(id);
    const collection = (job.data as { collection?: unknown } | null)?.collection;
    if (typeof collection !== 'string' || !mayUseCollection(principal, collection)) throw new AppError('NOT_FOUND', `id: no job "${id}"`, { id });
    return job;
  }
}
