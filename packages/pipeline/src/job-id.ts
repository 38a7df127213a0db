import { createHash } from 'node:crypto';
import type { JobData, JobItem, JobName } from '@lexigraph/contracts';

/** Separates the parts of a job id; never part of a collection name, so `<collection>~` prefixes are unambiguous. */
export const JOB_ID_SEPARATOR = '~';

/** Jobs collapsed per collection: many requests while one is pending run once, after the work that asked for it. */
export const DEBOUNCED_JOBS: readonly JobName[] = ['index.build'];

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The crawl run a `crawl.fetch` belongs to: `runId`, else the source id. */
export function crawlRunOf(data: JobData<'crawl.fetch'>): string {
  return data.runId ?? data.sourceId;
}

/**
 * The deterministic id of a job, `<collection>~<job name>~<key>`: a URL is fetched once per crawl run (key = hash
 * of run and URL, which callers pass canonical), a document is distilled once while a distill of it is pending,
 * and a debounced job (`index.build`) has one id per collection (the queue adds a time bucket). Queues use it as
 * the job id and the in-process runner to drop repeats, so both run the same set of jobs.
 */
export function jobIdOf(job: JobItem): string {
  const c = job.data.collection;
  const id = (key: string) => [c, job.name, key].join(JOB_ID_SEPARATOR);
  switch (job.name) {
    case 'crawl.fetch':
      return id(digest(`${crawlRunOf(job.data)}\n${job.data.url}`));
    case 'distill.entity':
      return id(digest(job.data.documentId));
    case 'index.build':
      return id('build');
    case 'index.publish':
      return id(String(job.data.versionId));
  }
}

/** The collection a job id names (its first part). */
export function collectionOfJobId(jobId: string): string {
  return jobId.split(JOB_ID_SEPARATOR)[0] ?? '';
}
