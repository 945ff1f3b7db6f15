import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventBus, MeshEvent } from '../ports/event-bus.js';
import { type ContractFactory, eventually, uniquePrefix } from './test-helpers.js';

const event = (type: string, data: Record<string, unknown> = {}): MeshEvent => ({
  type,
  source: 'contract-test',
  time: 1_767_225_600_000,
  data,
});

/**
 * The contract every {@link EventBus} must pass: delivery to several subscribers (the publisher's own
 * included), topic isolation, unsubscribe, and a throwing listener that does not affect the others.
 *
 * @example
 * ```ts
 * eventBusContract('memory', async () => {
 *   const subject = createMemoryEventBus();
 *   return { subject, cleanup: () => subject.close() };
 * });
 * ```
 */
export function eventBusContract(name: string, factory: ContractFactory<EventBus>): void {
  describe(`EventBus contract: ${name}`, () => {
    let bus: EventBus;
    let cleanup: () => Promise<void>;
    let p: string;

    beforeEach(async () => {
      ({ subject: bus, cleanup } = await factory());
      p = uniquePrefix('bus');
    });
    afterEach(async () => {
      await cleanup();
    });

    it('delivers an event to every subscriber of its topic, the publisher included', async () => {
      const first: MeshEvent[] = [];
      const second: MeshEvent[] = [];
      await bus.subscribe(`${p}circuit`, (received) => first.push(received));
      await bus.subscribe(`${p}circuit`, (received) => second.push(received));
      const published = event('circuit.opened', { target: 'peer:media', nested: { failures: 7 } });
      await bus.publish(`${p}circuit`, published);
      await eventually(() => {
        expect(first).toEqual([published]);
        expect(second).toEqual([published]);
      });
    });

    it('delivers events of one publisher in order', async () => {
      const received: string[] = [];
      await bus.subscribe(`${p}t`, (item) => received.push(item.type));
      for (let index = 0; index < 20; index += 1) await bus.publish(`${p}t`, event(`e.${index}`));
      await eventually(() =>
        expect(received).toEqual(Array.from({ length: 20 }, (_, index) => `e.${index}`)),
      );
    });

    it('keeps topics apart', async () => {
      const onA: string[] = [];
      const onB: string[] = [];
      await bus.subscribe(`${p}a`, (item) => onA.push(item.type));
      await bus.subscribe(`${p}b`, (item) => onB.push(item.type));
      await bus.publish(`${p}a`, event('only.a'));
      await bus.publish(`${p}b`, event('only.b'));
      await eventually(() => {
        expect(onA).toEqual(['only.a']);
        expect(onB).toEqual(['only.b']);
      });
    });

    it('stops delivering to a listener once unsubscribed, and keeps delivering to others', async () => {
      const stopped: string[] = [];
      const kept: string[] = [];
      const unsubscribe = await bus.subscribe(`${p}t`, (item) => stopped.push(item.type));
      await bus.subscribe(`${p}t`, (item) => kept.push(item.type));
      await bus.publish(`${p}t`, event('before'));
      await eventually(() => expect(stopped).toEqual(['before']));
      await unsubscribe();
      await bus.publish(`${p}t`, event('after'));
      await bus.publish(`${p}t`, event('marker'));
      await eventually(() => expect(kept).toEqual(['before', 'after', 'marker']));
      expect(stopped).toEqual(['before']);
    });

    it('isolates a listener that throws', async () => {
      const received: string[] = [];
      await bus.subscribe(`${p}t`, () => {
        throw new Error('listener failure (expected by the test)');
      });
      await bus.subscribe(`${p}t`, (item) => received.push(item.type));
      await bus.publish(`${p}t`, event('one'));
      await bus.publish(`${p}t`, event('two'));
      await eventually(() => expect(received).toEqual(['one', 'two']));
    });
  });
}
