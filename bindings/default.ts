/**
 * The entry point for Node, Deno, Bun and bundlers: the core is compiled from bytes
 * embedded in the package.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "joinable-queue";
 * const q = new JoinableQueue<string>();
 * ```
 *
 * @module
 */

import { setDefaultModule } from "./joinable_queue.ts";
import { embeddedModule } from "./embedded.ts";

setDefaultModule(embeddedModule);

export { embeddedModule as coreModule };
export * from "./mod.ts";
