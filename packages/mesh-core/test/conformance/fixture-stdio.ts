// The conformance fixture served over MCP stdio, spawned with `node --import tsx` (by supergateway in
// conformance.test.ts): the same host, resources, templates and prompts as the HTTP fixture.

import { serveStdio } from '../../src/mcp/stdio.js';
import { createMemoryCostLedger } from '../../src/memory/memory-cost-ledger.js';
import { createMemoryEventBus } from '../../src/memory/memory-event-bus.js';
import { createMemoryLock } from '../../src/memory/memory-lock.js';
import { createMemoryStateStore } from '../../src/memory/memory-state-store.js';
import { createLocalFeatureHost } from '../../src/node/local-feature-host.js';
import { createLocalToolHost } from '../../src/node/local-tool-host.js';
import { conformanceFixture } from './fixture-node.js';

const { tools, ...features } = conformanceFixture();
const id = 'conformance-fixture-stdio';
const host = createLocalToolHost({
  id,
  tools,
  ports: {
    state: createMemoryStateStore(),
    lock: createMemoryLock(),
    events: createMemoryEventBus(),
    ledger: createMemoryCostLedger(),
  },
});
const featureHost = createLocalFeatureHost({ id, ...features });
serveStdio(host, { resources: featureHost, prompts: featureHost, completion: featureHost });
