import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_INDEX_PUBLISHED, IndexPublishedEvent } from '@lexigraph/contracts';
import { IndexRegistry } from './index-registry';

/** Receives `index.published` from the indexers (Redis transport) and loads the announced version. */
@Controller()
export class EventsController {
  private readonly log = new Logger('EventsController');

  constructor(@Inject(IndexRegistry) private readonly registry: IndexRegistry) {}

  @EventPattern(EVENT_INDEX_PUBLISHED)
  async onIndexPublished(@Payload() payload: unknown): Promise<void> {
    const parsed = IndexPublishedEvent.safeParse(payload);
    if (!parsed.success) {
      this.log.warn(`ignoring a malformed ${EVENT_INDEX_PUBLISHED} event: ${JSON.stringify(payload)}`);
      return;
    }
    const { collection, version } = parsed.data;
    try {
      const served = await this.registry.refresh(collection);
      if (!served || served.version < version) {
        this.log.warn(`"${collection}" version ${version} was announced but ${served ? `version ${served.version}` : 'nothing'} is published; the poll will retry`);
      }
    } catch (err) {
      this.log.error(`loading "${collection}" version ${version} failed; still serving the previous one: ${(err as Error).message}`);
    }
  }
}
