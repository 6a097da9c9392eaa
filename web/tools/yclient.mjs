#!/usr/bin/env node
// A real Yjs client (npm yjs + y-websocket + ws) driven over stdin/stdout, one JSON object per
// line, so pytest can check that the server interoperates with the stock provider.
//
//   node tools/yclient.mjs --server=ws://127.0.0.1:8080/ws/rooms/ID/notes --doc=shared --token=T
//
// Always pass values as --opt=value: tokens are URL-safe base64 and may start with "-", which
// parseArgs would take for an option in the two-argument form.
//
// Commands (stdin):  {"op":"insert","index":-1,"text":"hi"}  (index -1 = at the end)
//                    {"op":"delete","index":0,"length":2}
//                    {"op":"type","text":"abc","interval_ms":20}  (one transaction per char)
//                    {"op":"get"}  {"op":"awareness","state":{...}}  {"op":"quit"}
// Events (stdout):   {"event":"status","status":"connected"}  {"event":"synced"}
//                    {"event":"text","text":"..."} (after every change and on "get")
//                    {"event":"typed","count":N}  {"event":"closed","code":4403,"reason":"..."}
//                    {"event":"awareness","states":[...]} (remote states, on every change)
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    server: { type: "string" },
    doc: { type: "string", default: "shared" },
    token: { type: "string", default: "" },
    name: { type: "string", default: "node" },
  },
});

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const doc = new Y.Doc();
const text = doc.getText("notes");
const params = args.token ? { token: args.token } : {};
const provider = new WebsocketProvider(args.server, args.doc, doc, {
  params,
  WebSocketPolyfill: /** @type {any} */ (WebSocket),
  disableBc: true,
  maxBackoffTime: 500,
});

provider.on("status", ({ status }) => emit({ event: "status", status }));
provider.on("sync", (synced) => synced && emit({ event: "synced", text: text.toString() }));
provider.on("connection-close", (ev) => {
  if (ev) emit({ event: "closed", code: ev.code, reason: ev.reason?.toString?.() ?? "" });
});
text.observe(() => emit({ event: "text", text: text.toString() }));
provider.awareness.on("change", () => {
  const states = [];
  provider.awareness.getStates().forEach((state, id) => {
    if (id !== doc.clientID) states.push(state);
  });
  emit({ event: "awareness", states });
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(cmd) {
  switch (cmd.op) {
    case "insert":
      text.insert(cmd.index < 0 ? text.length : cmd.index, cmd.text);
      break;
    case "delete":
      text.delete(cmd.index, cmd.length);
      break;
    case "type":
      for (const ch of cmd.text) {
        text.insert(text.length, ch);
        await sleep(cmd.interval_ms ?? 20);
      }
      emit({ event: "typed", count: [...cmd.text].length });
      break;
    case "get":
      emit({ event: "text", text: text.toString() });
      break;
    case "awareness":
      provider.awareness.setLocalState(cmd.state);
      break;
    case "quit":
      provider.destroy();
      process.exit(0);
  }
}

// Commands run one after another, in order, even when one of them waits.
let chain = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  chain = chain.then(() => run(cmd)).catch((err) => emit({ event: "error", message: String(err) }));
});
process.stdin.on("end", () => chain.then(() => process.exit(0)));
