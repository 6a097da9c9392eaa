// The next task, soon: a message posted to ourselves runs as a task of its own, after the input
// (a click) and the tasks already queued, and without setTimeout's clamp (4 ms once nested).
// scheduler.yield() is no substitute here: its continuation runs ahead of other queued tasks.

const channel = new MessageChannel();
/** @type {(() => void)[]} */
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();

/** Resolves in a task of its own, after those queued now. @returns {Promise<void>} */
export function nextTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}
