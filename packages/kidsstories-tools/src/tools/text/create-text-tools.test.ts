import { createLocalToolHost } from '@kidsstories/mesh-core/host';
import { createTestPorts, expectMeshError } from '@kidsstories/mesh-core/testing';
import { describe, expect, it } from 'vitest';
import { storySchema } from '../../story/story-schema.js';
import { createTextTools } from './create-text-tools.js';

// The text tools behind mesh-core's real host: argument validation, output-schema validation and errors.
describe('createTextTools on a local tool host', () => {
  it('lists, validates and runs the three text tools', async () => {
    const ports = createTestPorts();
    const host = createLocalToolHost({
      id: 'text',
      tools: createTextTools(),
      ports: { state: ports.stateStore, lock: ports.lock, events: ports.eventBus, ledger: ports.costLedger },
    });
    const call = () => ({ signal: new AbortController().signal, correlationId: 'c1', hop: 0 });
    try {
      const tools = await host.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        'embed_content',
        'generate_story',
        'refine_readability',
      ]);
      const generate = tools.find((tool) => tool.name === 'generate_story');
      if (!generate) throw new Error('generate_story is not listed');
      const { parameters } = generate.inputSchema.properties as {
        parameters: { properties: Record<string, unknown> };
      };
      expect(Object.keys(parameters.properties).length).toBeGreaterThanOrEqual(102);

      const story = await host.callTool('generate_story', { parameters: { page_count: 3, seed: 2 } }, call());
      expect(story.isError).not.toBe(true);
      expect(storySchema.safeParse((story.structuredContent as { story: unknown }).story).success).toBe(true);

      const refined = await host.callTool(
        'refine_readability',
        { text: 'The cat sat on the mat.', age_band: '9-12' },
        call(),
      );
      expect((refined.structuredContent as { targetGrade: number }).targetGrade).toBe(5);

      const embedded = await host.callTool('embed_content', { texts: ['one', 'two'] }, call());
      expect((embedded.structuredContent as { vectors: number[][] }).vectors).toHaveLength(2);

      const bad = await expectMeshError(
        host.callTool('generate_story', { parameters: { voice_id: 'robot' } }, call()),
        'invalid_argument',
      );
      expect(bad.message).toContain('voice_id');
      expect(bad.message).toContain('must be one of nova, alloy');
    } finally {
      await ports.close();
    }
  });
});
