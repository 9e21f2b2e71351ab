// A torture producer or consumer: attaches to the queue and runs its role (roles.mjs) until
// it is killed or its work ends. An unexpected error is posted to the main thread.
import { JoinableQueue } from "joinable-queue";
import { consume, produce } from "./roles.mjs";
import { workerMain } from "./threads.mjs";

workerMain(async (data, post) => {
  let q;
  try {
    q = JoinableQueue.attach(data.handle);
    const args = { ...data, onBad: (message) => post({ bad: message }) };
    await (data.role === "producer" ? produce(q, args) : consume(q, args));
    post({ finished: true });
  } catch (e) {
    post({ error: { name: e?.name, message: e?.message, stack: e?.stack } });
  } finally {
    q?.close();
  }
});
