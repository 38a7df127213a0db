import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, toErrorBody, type HealthBody } from '@lexigraph/contracts';

export interface StatusRoutes {
  health(): Promise<{ statusCode: number; body: HealthBody }>;
  metrics(): Promise<string>;
}

/**
 * The indexer's small HTTP listener: `GET /health` and `GET /metrics` (Prometheus text); anything else is a 404
 * with the services' ErrorBody. Plain node:http: two routes do not need a framework in a process that is a queue
 * worker.
 */
export async function serveStatus(routes: StatusRoutes, port: number, host: string, onError: (err: unknown) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    const answer = async (): Promise<{ status: number; type: string; text: string }> => {
      if (route === 'GET /health') {
        const { statusCode, body } = await routes.health();
        return { status: statusCode, type: 'application/json; charset=utf-8', text: JSON.stringify(body) };
      }
      if (route === 'GET /metrics') return { status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', text: await routes.metrics() };
      throw new AppError('NOT_FOUND', `route: the indexer answers GET /health and GET /metrics only, not ${route}`);
    };
    answer().then(
      ({ status, type, text }) => res.writeHead(status, { 'content-type': type }).end(text),
      (err: unknown) => {
        const body = toErrorBody(err);
        if (body.statusCode >= 500) onError(err);
        res.writeHead(body.statusCode, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
