/**
 * `WebAssembly.compile`, typed for a build whose `lib` has no DOM: `@types/node` declares the `WebAssembly`
 * types but not the global value.
 */
export function compileWasm(bytes: Uint8Array): Promise<WebAssembly.Module> {
  const wasm = (
    globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }
  ).WebAssembly;
  return wasm.compile(bytes);
}
