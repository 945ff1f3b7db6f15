import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { ToolCallResult } from '@kidsstories/mesh-core/host';

/** A content block as printed by the CLI: media summarised (size, type, file), never as base64 text. */
export type PrintedContent =
  | { type: 'text'; text: string }
  | { type: 'media'; kind: string; mimeType?: string; uri?: string; bytes?: number; file?: string };

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'audio/mpeg': '.mp3',
  'audio/mp3': '.mp3',
  'audio/wav': '.wav',
  'video/mp4': '.mp4',
  'application/json': '.json',
};

/**
 * Summarises a tool result's content for printing and, when `outDir` is given, writes every embedded media
 * (`resource` blobs, `image` and `audio` blocks) to it. File names come from the resource URI's last segment
 * (sanitised), else `<tool>-<n><ext>` from the MIME type; existing names in this run get a numeric suffix.
 *
 * @example
 * ```ts
 * const { content, files } = await writeMediaOutputs(result, 'generate_image', 'out');
 * ```
 */
export async function writeMediaOutputs(
  result: ToolCallResult,
  tool: string,
  outDir?: string,
): Promise<{ content: PrintedContent[]; files: string[] }> {
  const files: string[] = [];
  const used = new Set<string>();
  const content: PrintedContent[] = [];
  if (outDir) await mkdir(outDir, { recursive: true });
  let index = 0;
  for (const block of result.content) {
    index++;
    const media = mediaOf(block);
    if (!media) {
      if (block.type === 'text') content.push({ type: 'text', text: block.text });
      else if (block.type === 'resource_link') {
        content.push({
          type: 'media',
          kind: 'resource_link',
          uri: block.uri,
          ...(block.mimeType ? { mimeType: block.mimeType } : {}),
        });
      }
      continue;
    }
    const printed: PrintedContent = {
      type: 'media',
      kind: block.type,
      bytes: media.bytes.length,
      ...(media.mimeType ? { mimeType: media.mimeType } : {}),
      ...(media.uri ? { uri: media.uri } : {}),
    };
    if (outDir) {
      const file = resolve(join(outDir, uniqueName(fileNameOf(media, tool, index), used)));
      await writeFile(file, media.bytes);
      files.push(file);
      printed.file = file;
    }
    content.push(printed);
  }
  return { content, files };
}

function mediaOf(
  block: ToolCallResult['content'][number],
): { bytes: Uint8Array; mimeType?: string; uri?: string } | undefined {
  if (block.type === 'image' || block.type === 'audio') {
    return { bytes: Buffer.from(block.data, 'base64'), mimeType: block.mimeType };
  }
  if (block.type === 'resource' && 'blob' in block.resource && typeof block.resource.blob === 'string') {
    return {
      bytes: Buffer.from(block.resource.blob, 'base64'),
      uri: block.resource.uri,
      ...(block.resource.mimeType ? { mimeType: block.resource.mimeType } : {}),
    };
  }
  return undefined;
}

function fileNameOf(media: { mimeType?: string; uri?: string }, tool: string, index: number): string {
  const extension = (media.mimeType && EXTENSIONS[media.mimeType]) ?? '.bin';
  if (media.uri) {
    const segment = basename(media.uri.replace(/[?#].*$/, ''));
    const safe = segment.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
    if (safe) return extname(safe) ? safe : `${safe}${extension}`;
  }
  return `${tool}-${index}${extension}`;
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  for (let suffix = 2; used.has(candidate); suffix++) candidate = `${stem}-${suffix}${extension}`;
  used.add(candidate);
  return candidate;
}
