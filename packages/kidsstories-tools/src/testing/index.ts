// Public API of @kidsstories/kidsstories-tools/testing: a tool context on in-memory ports and helpers for testing
// the media and video tools. It imports vitest (through @kidsstories/mesh-core/testing): import it from tests only.
// Adding a line here is an API decision.

export type { TestToolContext } from './test-tool-context.js';
export { callTool, createTestToolContext, createWordSafety, TEST_CHARACTERS } from './test-tool-context.js';
