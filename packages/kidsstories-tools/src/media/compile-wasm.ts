/**
 * A compiled WebAssembly module, opaque here: it is only handed to workers, which instantiate it. Typed
 * structurally because the build's `lib` has no DOM and the declaration build does not see `@types/node`'s
 * `WebAssembly` namespace.
 */
export type CompiledWasmModule = object;

/** `WebAssembly.compile` on the global value (present in every supported Node). */
export function compileWasm(bytes: Uint8Array): Promise<CompiledWasmModule> {
  const wasm = (
    globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasmModule> } }
  ).WebAssembly;
  return wasm.compile(bytes);
}
