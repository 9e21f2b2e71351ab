/**
 * joinable-queue's public surface, shared by every entry point. An entry point only
 * decides where the compiled core comes from (setDefaultModule) and re-exports this.
 *
 * @module
 */

export {
  JoinableQueue,
  type AsyncCallOptions,
  type BlockingCallOptions,
  type QueueHandle,
  type QueueOptions,
} from "./joinable_queue.ts";
export { Closed, Corrupted, Empty, Full, ShutDown } from "./errors.ts";
export type { Codec, CodecName } from "./codecs.ts";
