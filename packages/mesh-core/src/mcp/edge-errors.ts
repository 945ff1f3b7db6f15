import { INVALID_PARAMS, ProtocolError } from '@modelcontextprotocol/server';
import type { MeshError } from '../errors/mesh-error.js';
import type { ToolCallResult } from '../tool/tool-context.js';
import { MESH_META_KEYS } from './inbound-call.js';

/**
 * True for the host's "no such tool" failure (`not_found` carrying `suggestions`), which the MCP edge answers
 * as a JSON-RPC `-32602` error rather than a tool error: the model asked for a tool that does not exist.
 */
export function isUnknownToolError(error: MeshError): boolean {
  return (
    error.code === 'not_found' &&
    (error.details.reason === 'unknown_tool' || Array.isArray(error.details.suggestions))
  );
}

/** The JSON-RPC `-32602` error for an unknown tool, with the closest names in its message and `data`. */
export function unknownToolProtocolError(error: MeshError): ProtocolError {
  return new ProtocolError(INVALID_PARAMS, error.message, error.toJSON());
}

/**
 * A failed call as an MCP tool result: `isError: true`, one text block `code: message` the model and the user
 * read, and the error as `{ code, message, details }` under `_meta["io.kidsstories/error"]` for mesh-aware
 * programs. It carries no `structuredContent`: clients that validate structured content against the tool's
 * `outputSchema` (the SDK v1 client, the Inspector, LangChain) would reject an error object there and show
 * their own exception instead of the tool's message (issue 19).
 */
export function toolErrorResult(error: MeshError): ToolCallResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
    _meta: { [MESH_META_KEYS.error]: error.toJSON() },
  };
}
