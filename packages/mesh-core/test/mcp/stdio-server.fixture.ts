// A stdio MCP server for stdio.test.ts, which bundles it into one file that plain Node runs.
import { serveStdio } from '../../src/mcp/stdio.js';
import { createExampleHost } from './fixtures.js';

serveStdio(createExampleHost({ aborted: [], contexts: [] }, { id: 'stdio-node' }));
