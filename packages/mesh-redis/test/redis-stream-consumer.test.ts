import type { StateStore } from '@kidsstories/mesh-core';
import { createStreamConsumer, type StreamEntry } from '@kidsstories/mesh-core/ports';
import { eventually } from '@kidsstories/mesh-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisStateStore } from '../src/index.js';
import { openTestConnection } from './support/redis-test-env.js';

describe('mesh-core createStreamConsumer on Redis streams', () => {
  let store: StateStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const opened = await openTestConnection('stream-consumer');
    store = createRedisStateStore({ connection: opened.connection });
    cleanup = async () => {
      await store.close();
      await opened.cleanup();
    };
  });
  afterEach(() => cleanup());

  it('reclaims and processes a message whose consumer died mid-message', async () => {
    await store.streamCreateGroup('media.complete', 'video', { startId: '0' });
    const id = await store.streamAppend('media.complete', { storyId: 's-1' });
    // The first consumer takes the entry and dies before acknowledging it.
    const [taken] = await store.streamReadGroup('media.complete', 'video', 'video-1');
    expect(taken?.id).toBe(id);

    const processed: StreamEntry[] = [];
    const survivor = createStreamConsumer({
      store,
      stream: 'media.complete',
      group: 'video',
      consumer: 'video-2',
      visibilityTimeoutMs: 100,
      blockMs: 50,
      handler: async (entry) => {
        processed.push(entry);
      },
    });
    await survivor.start();
    try {
      await eventually(() => expect(processed.map((entry) => entry.id)).toEqual([id]), { timeoutMs: 5_000 });
      expect(processed[0]?.deliveryCount).toBe(2);
      await eventually(async () =>
        expect((await store.streamPending('media.complete', 'video')).count).toBe(0),
      );
    } finally {
      await survivor.close();
    }
  });

  it('moves a poison message to the dead-letter stream after maxDeliveries', async () => {
    const good: string[] = [];
    const consumer = createStreamConsumer({
      store,
      stream: 'story.complete',
      group: 'media',
      consumer: 'media-1',
      visibilityTimeoutMs: 30,
      maxDeliveries: 3,
      blockMs: 20,
      errorBackoffMs: 10,
      handler: async (entry) => {
        if (entry.fields.poison === 'yes') throw new Error('cannot render this story');
        good.push(entry.fields.storyId ?? '');
      },
    });
    await consumer.start();
    try {
      const poisonId = await store.streamAppend('story.complete', { storyId: 'bad', poison: 'yes' });
      await store.streamAppend('story.complete', { storyId: 'good' });
      await eventually(async () => expect(await store.streamLength('story.complete:dead-letter')).toBe(1), {
        timeoutMs: 8_000,
      });
      const [dead] = await store.streamRange('story.complete:dead-letter');
      expect(dead?.fields).toMatchObject({ originalId: poisonId, stream: 'story.complete', group: 'media' });
      expect(dead?.fields.lastError).toContain('cannot render this story');
      expect(good).toContain('good');
      await eventually(async () =>
        expect((await store.streamPending('story.complete', 'media')).count).toBe(0),
      );
    } finally {
      await consumer.close();
    }
  });
});
