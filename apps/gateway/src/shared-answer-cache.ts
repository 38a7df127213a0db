import { createHash, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { redisOptions, type AnswerCacheConfig } from './config';
import { AnswerText } from './answer-serializer';

/** How long a command to the shared cache may take before the query goes on without it (computes the answer). */
const COMMAND_TIMEOUT_MS = 200;
/** The first byte of an entry in Redis: whether the answer found anything. */
const ANSWERED = 0x31; // '1'
const ANSWERED_FLAG = Buffer.from([ANSWERED]);
const UNANSWERED_FLAG = Buffer.from('0');

/**
 * The answer cache layer in Redis, shared by every gateway replica. An entry is the answer's JSON bytes after its
 * prompt (AnswerText), stored under a hash of its full key (collection, index version, standard prompt, parameters,
 * ACL groups) with the collection and version in clear for operators. Memory is bounded by the entries' lifetime
 * (`ttlSeconds`) and by a size cap per entry (larger answers are not shared). A Redis that also holds BullMQ's queues
 * runs with `noeviction`: when it reaches its `maxmemory`, it refuses the cache's writes (counted as errors; answers
 * are still computed and kept in-process).
 *
 * Commands fail fast (no offline queue, one try, COMMAND_TIMEOUT_MS): while Redis is away, `get` and `set` reject
 * and the caller answers without the layer (and counts the error).
 */
export class SharedAnswerCache {
  private readonly log = new Logger('SharedAnswerCache');
  /** Names this replica in the warming claims (see claim). */
  private readonly replica = randomBytes(6).toString('hex');

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    readonly maxEntryBytes: number,
    /** Start of every key (entries and claims), e.g. `lexigraph:answer:`. */
    private readonly prefix: string,
  ) {}

  /** A client of its own for the cache (commands time out quickly; the event listener and health use others). */
  static connect(url: string, bounds: Pick<AnswerCacheConfig, 'sharedTtlSeconds' | 'sharedMaxEntryBytes' | 'sharedPrefix'>): SharedAnswerCache {
    const redis = new Redis({ ...redisOptions(url), maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS });
    const cache = new SharedAnswerCache(redis, bounds.sharedTtlSeconds, bounds.sharedMaxEntryBytes, bounds.sharedPrefix);
    let down = false;
    redis.on('error', (err: Error) => {
      if (!down) cache.log.warn(`shared answer cache at ${url} unreachable, answering without it: ${err.message}`);
      down = true;
    });
    redis.on('ready', () => {
      if (down) cache.log.log(`shared answer cache at ${url} reachable again`);
      down = false;
    });
    return cache;
  }

  /** The Redis key of a cache key: a digest of it, after the collection and version it belongs to. */
  redisKey(collection: string, version: number, key: string): string {
    return `${this.prefix}${collection}:${version}:${createHash('sha256').update(key).digest('base64url')}`;
  }

  async get(redisKey: string): Promise<AnswerText | undefined> {
    const value = await this.redis.getBuffer(redisKey);
    // the first byte says whether it answered (see set); the rest is the answer's bytes, not copied
    return value === null ? undefined : new AnswerText(value.subarray(1), value[0] === ANSWERED);
  }

  /** Stores an entry with the layer's lifetime; false (not stored) when it is larger than `maxEntryBytes`. */
  async set(redisKey: string, text: AnswerText): Promise<boolean> {
    if (text.length + 1 > this.maxEntryBytes) return false;
    await this.redis.set(redisKey, Buffer.concat([text.answered ? ANSWERED_FLAG : UNANSWERED_FLAG, text.tail]), 'EX', this.ttlSeconds);
    return true;
  }

  /**
   * Claims a one-off task among the replicas (`SET NX` with the layer's lifetime): true for the first replica that
   * asks, false for every other until it expires.
   */
  async claim(task: string): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}claim:${task}`, this.replica, 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }

  close(): void {
    this.redis.disconnect();
  }
}
