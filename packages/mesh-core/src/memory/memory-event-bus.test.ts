import { describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '../observability/logger.js';
import { eventBusContract, eventually, expectMeshError } from '../testing/index.js';
import { createMemoryEventBus } from './memory-event-bus.js';

eventBusContract('memory', async () => {
  const subject = createMemoryEventBus();
  return { subject, cleanup: () => subject.close() };
});

describe('createMemoryEventBus', () => {
  it('delivers copies after publish returns, and logs a throwing listener', async () => {
    const warnings: Array<[string, LogFields | undefined]> = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (message, fields) => warnings.push([message, fields]),
      error: () => {},
      child: () => logger,
    };
    const bus = createMemoryEventBus({ logger });
    const received: unknown[] = [];
    await bus.subscribe('t', (event) => {
      received.push(event.data);
      (event.data as { n: number }).n = 99;
    });
    await bus.subscribe('t', () => {
      throw new Error('boom');
    });
    const data = { n: 1 };
    const publishing = bus.publish('t', { type: 'x', source: 's', time: 1, data });
    expect(received).toEqual([]);
    await publishing;
    await eventually(() => expect(received).toEqual([{ n: 99 }]));
    expect(data.n).toBe(1);
    await eventually(() => expect(warnings.map(([message]) => message)).toEqual(['event listener threw']));
  });

  it('rejects events that are not JSON-serialisable, and publishing after close', async () => {
    const bus = createMemoryEventBus();
    await expectMeshError(
      bus.publish('t', { type: 'x', source: 's', time: 1, data: { big: 1n } }),
      'invalid_argument',
    );
    await expectMeshError(bus.publish('t', { type: '', source: 's', time: 1, data: {} }), 'invalid_argument');
    await bus.close();
    await expectMeshError(
      bus.publish('t', { type: 'x', source: 's', time: 1, data: {} }),
      'failed_precondition',
    );
  });
});
