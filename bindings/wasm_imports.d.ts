// What the edge entry points' imports of core.wasm evaluate to: the host or its bundler
// compiles the file and hands over a WebAssembly.Module (workerd's CompiledWasm module,
// Vercel's `?module` import). Types only; nothing is emitted.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
declare module "*.wasm?module" {
  const module: WebAssembly.Module;
  export default module;
}
