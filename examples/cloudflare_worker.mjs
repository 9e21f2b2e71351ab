import { JoinableQueue } from "joinable-queue";

// A Cloudflare Worker: each request fans its work out to 4 async tasks through a queue
// and waits for all of it with joinAsync(). (No threads here: the tasks share one.)
export default {
  async fetch(request) {
    const words = new URL(request.url).searchParams.getAll("word");
    const q = new JoinableQueue({ maxsize: 8 }); // putAsync() waits while 8 are queued
    const digests = {};
    const tasks = [1, 2, 3, 4].map(() => q.consume(async (word) => {
      const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(word));
      digests[word] = [...new Uint8Array(hash, 0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
    }));
    for (const word of words) await q.putAsync(word);
    await q.joinAsync(); // every word hashed
    q.shutdown(); // the consume() loops end
    await Promise.all(tasks);
    return Response.json(digests);
  },
};
