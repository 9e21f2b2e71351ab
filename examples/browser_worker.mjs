import { JoinableQueue } from "joinable-queue";

onmessage = ({ data: handle }) => {
  const q = JoinableQueue.attach(handle);
  for (const task of q) { // a worker may block: get() until the queue is shut down
    // ... work on task.id ...
    q.taskDone();
  }
};
