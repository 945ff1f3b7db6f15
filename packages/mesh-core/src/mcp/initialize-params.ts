/**
 * Checks the params of a 2025-era `initialize` request before the SDK sees them, so a malformed one is answered
 * with JSON-RPC `-32602` and one line naming the first bad field, instead of the SDK's `-32603` carrying a raw
 * validation dump. Returns that line, or `undefined` when `body` is not an `initialize` request or its params
 * are well-formed (the SDK then validates them in full).
 *
 * @example
 * ```ts
 * initializeParamsProblem({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
 * // 'initialize: params.protocolVersion must be a string'
 * ```
 */
export function initializeParamsProblem(body: unknown): string | undefined {
  if (!isObject(body) || body.method !== 'initialize') return undefined;
  const { params } = body;
  if (!isObject(params)) return 'initialize: params must be an object';
  if (typeof params.protocolVersion !== 'string')
    return 'initialize: params.protocolVersion must be a string';
  if (!isObject(params.capabilities)) return 'initialize: params.capabilities must be an object';
  const { clientInfo } = params;
  if (!isObject(clientInfo)) return 'initialize: params.clientInfo must be an object';
  if (typeof clientInfo.name !== 'string') return 'initialize: params.clientInfo.name must be a string';
  if (typeof clientInfo.version !== 'string') return 'initialize: params.clientInfo.version must be a string';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
