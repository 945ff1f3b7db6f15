// A stdio MCP server for stdio.test.ts, spawned with `node --import tsx`.
import { serveStdio } from '../../src/mcp/stdio.js';
import { createExampleHost } from './fixtures.js';

serveStdio(createExampleHost({ aborted: [], contexts: [] }, { id: 'stdio-node' }));
