// Test support for the media and video tools: `@kidsstories/kidsstories-tools/testing` (imports vitest through
// `@kidsstories/mesh-core/testing`, so only import it from tests).
import type { AnyToolDefinition, MeshEvent, ToolContext, ToolResult } from '@kidsstories/mesh-core';
import { MeshError } from '@kidsstories/mesh-core';
import {
  createTestToolContext as createCoreTestToolContext,
  type TestPorts,
  type TestToolContextOptions,
} from '@kidsstories/mesh-core/testing';
import type { CharacterLook, SafetyProvider } from '../providers/provider-types.js';

/** A tool context on in-memory ports, with every published event captured. */
export interface TestToolContext {
  ctx: ToolContext;
  ports: TestPorts;
  events: Array<{ topic: string; event: MeshEvent }>;
  close(): Promise<void>;
}

/** Builds a {@link ToolContext} with mesh-core's `createTestToolContext`, under the names these tests use. */
export function createTestToolContext(options: TestToolContextOptions = {}): TestToolContext {
  const harness = createCoreTestToolContext(options);
  return { ctx: harness.context, ports: harness.ports, events: harness.published, close: harness.close };
}

/** Validates `args` with the tool's input schema (as a node does), then runs the handler. */
export async function callTool<T = Record<string, unknown>>(
  tool: AnyToolDefinition,
  args: unknown,
  ctx: ToolContext,
): Promise<ToolResult<T>> {
  const validated = await tool.inputSchema['~standard'].validate(args);
  if (validated.issues) {
    const issue = validated.issues[0];
    throw new MeshError(`invalid arguments: ${issue?.message}`, 'invalid_argument', {
      details: {
        field: issue?.path?.map((part) => (typeof part === 'object' ? part.key : part)).join('.') ?? '',
      },
    });
  }
  return (await tool.handler(validated.value, ctx)) as ToolResult<T>;
}

/** A safety provider that flags prompts containing any of `blocked`. */
export function createWordSafety(
  blocked: readonly string[] = ['sword', 'blood'],
): SafetyProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'test-safety',
    calls,
    async check(text) {
      calls.push(text);
      const reasons = blocked
        .filter((word) => text.toLowerCase().includes(word))
        .map((word) => `mentions ${word}`);
      return { safe: reasons.length === 0, reasons };
    },
  };
}

/** Three characters with distinct palettes, as a story's characters. */
export const TEST_CHARACTERS: Array<CharacterLook & { traits: string[] }> = [
  {
    name: 'Pip',
    species: 'fox',
    traits: ['brave', 'curious'],
    physicalFeatures: ['bushy tail', 'pointy ears', 'green eyes'],
    clothing: ['blue scarf'],
    colorPalette: ['#e07a2f', '#2e6fd8', '#fff4e0'],
    distinctiveMarks: ['star-shaped patch on left ear'],
  },
  {
    name: 'Mia',
    species: 'girl',
    traits: ['kind'],
    physicalFeatures: ['curly hair', 'big eyes'],
    clothing: ['yellow dress', 'red boots'],
    colorPalette: ['#f2c6a0', '#f7d038', '#c0392b', '#5b3a1e'],
    distinctiveMarks: ['freckles on cheek'],
  },
  {
    name: 'Bolt',
    species: 'robot',
    traits: ['helpful'],
    physicalFeatures: ['square head'],
    clothing: ['green chest panel'],
    colorPalette: ['#9aa5b1', '#4caf50', '#ff7043'],
    distinctiveMarks: ['lightning bolt on chest'],
  },
];
