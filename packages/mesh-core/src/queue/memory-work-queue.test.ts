import { workQueueContract } from '../testing/work-queue-contract.js';
import { createMemoryWorkQueue } from './memory-work-queue.js';

workQueueContract('memory', async () => {
  const subject = createMemoryWorkQueue();
  return { subject, cleanup: () => subject.close() };
});
