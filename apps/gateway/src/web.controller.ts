import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@lexigraph/auth';
import { AppError } from '@lexigraph/contracts';
import { WEB_HEADERS, WEB_PREFIX, webAsset } from '@lexigraph/web';
import type { FastifyReply } from 'fastify';

/**
 * The web page (`/`) and its files (`/web/<file>`): public, like `/health`, so a browser can load the page without
 * a key; every API route the page calls stays behind the guard, and the page asks for a key when one answers 401.
 */
@ApiExcludeController()
@Controller()
export class WebController {
  @Get()
  @Public()
  page(@Res() reply: FastifyReply): Promise<void> {
    return send(reply, '/');
  }

  @Get('index.html')
  @Public()
  index(@Res() reply: FastifyReply): Promise<void> {
    return send(reply, '/');
  }

  @Get('web/:file')
  @Public()
  file(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    return send(reply, `${WEB_PREFIX}${file}`);
  }
}

async function send(reply: FastifyReply, path: string): Promise<void> {
  const asset = webAsset(path);
  if (!asset) throw new AppError('NOT_FOUND', `no file ${path} in the web page`);
  await reply.status(200).headers({ ...WEB_HEADERS, 'content-type': asset.contentType }).send(asset.body);
}
