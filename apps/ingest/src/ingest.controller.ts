import type { IncomingMessage } from 'node:http';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { AppError, CreateCollectionBody, parseOrThrow, SourceBody } from '@lexigraph/contracts';
import { readEntityRecord } from '@lexigraph/crawler';
import { parseParamLayer } from '@lexigraph/pipeline';
import { collectionParam, IngestService } from './ingest.service';
import { readUpload } from './upload';

interface StatusResponse {
  status(code: number): StatusResponse;
}

@Controller('v1')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  /** Creates a collection (201) or replaces the configuration of an existing one (200). */
  @Post('collections')
  async createCollection(@Body() body: unknown, @Res({ passthrough: true }) res: StatusResponse) {
    const config = parseOrThrow(CreateCollectionBody, body ?? {}, 'collection');
    parseParamLayer(config.defaults, 'defaults');
    const { created, view } = await this.ingest.createCollection(config);
    res.status(created ? 201 : 200);
    return view;
  }

  @Get('collections/:c')
  getCollection(@Param('c') c: string) {
    return this.ingest.getCollection(collectionParam(c));
  }

  /** A crawl: seeds, include / exclude, depth and page limits, allowPrivate, schedule. 202: the seeds are queued. */
  @Post('collections/:c/sources')
  @HttpCode(202)
  addSource(@Param('c') c: string, @Body() body: unknown) {
    const collection = collectionParam(c);
    return this.ingest.addSource(collection, parseOrThrow(SourceBody, body ?? {}, 'source'));
  }

  /** Entities as a JSON array or JSON Lines, streamed with a size limit. 202: stored, index build queued. */
  @Post('collections/:c/documents')
  @HttpCode(202)
  async upload(@Param('c') c: string, @Req() req: IncomingMessage) {
    const collection = collectionParam(c);
    await this.ingest.getCollection(collection);
    const entities = await readUpload(req, this.ingest.config.maxUploadBytes, readEntityRecord);
    const report = await this.ingest.storeDocuments(collection, entities);
    return { collection, received: report.received, kept: report.kept, duplicates: report.dropped.length, inserted: report.inserted, updated: report.updated, unchanged: report.unchanged, jobs: report.jobs };
  }

  /** Deletes the collection: documents, index versions, segments, snapshot files, queued jobs, schedules. */
  @Delete('collections/:c')
  async deleteCollection(@Param('c') c: string) {
    const collection = collectionParam(c);
    return { collection, deleted: true, ...(await this.ingest.deleteCollection(collection)) };
  }

  @Delete('collections/:c/documents/:id')
  @HttpCode(202)
  async deleteDocument(@Param('c') c: string, @Param('id') id: string) {
    const collection = collectionParam(c);
    const { jobs } = await this.ingest.deleteDocument(collection, id);
    return { collection, id, deleted: true, jobs };
  }

  /** One crawl run (`?run=<runId>`, default the latest): pages fetched, blocked and skipped by reason, pages/s. */
  @Get('collections/:c/progress')
  progress(@Param('c') c: string, @Query('run') run?: unknown) {
    if (run !== undefined && (typeof run !== 'string' || run.length === 0 || run.length > 200)) {
      throw new AppError('VALIDATION', 'run: a crawl run id (the runId a source answered), at most 200 characters', { field: 'run' });
    }
    return this.ingest.progress(collectionParam(c), run);
  }

  @Get('jobs/:id')
  job(@Param('id') id: string) {
    return this.ingest.job(id);
  }
}
