#!/usr/bin/env node
// Load generator for the notes benchmark: real Yjs clients (yjs + y-websocket + ws) typing into
// shared documents. Every keystroke is one Yjs transaction; the sender notes the time it typed
// the character (by its Yjs id), the other clients of the document note when it arrived, all in
// this one process's clock. Prints one JSON summary on stdout.
//
//   node tools/notes-load.mjs --targets targets.json --clients 3 --rate 5 --duration 30
//
// targets.json: [{"server": "ws://127.0.0.1:8080/ws/rooms/ID/notes", "doc": "shared",
//                 "tokens": ["t1", "t2", "t3"], "group": "ours"}, ...]
// (tokens optional, one per client; group optional: the summary then also has "groups", the
// same figures per group, so two servers typed into at the same moments compare like for like)
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

const { values: args } = parseArgs({
  options: {
    targets: { type: "string" },
    clients: { type: "string", default: "3" },
    rate: { type: "string", default: "5" },
    duration: { type: "string", default: "30" },
    drain: { type: "string", default: "3" },
  },
});
const targets = JSON.parse(readFileSync(args.targets, "utf8"));
const perRoom = Number(args.clients);
const rate = Number(args.rate);
const durationMs = Number(args.duration) * 1000;
const drainMs = Number(args.drain) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @type {Map<string, number>} Yjs item id -> time typed */
const sent = new Map();
/** @type {number[]} */
const latencies = [];
/** @type {Map<string, {latencies: number[], typed: number, clients: any[]}>} per target group */
const groups = new Map();
let typed = 0;
let measuring = false;

const clients = [];
for (const target of targets) {
  const group = target.group ?? "";
  if (!groups.has(group)) groups.set(group, { latencies: [], typed: 0, clients: [] });
  const mine = /** @type {{latencies: number[], typed: number, clients: any[]}} */ (groups.get(group));
  for (let i = 0; i < perRoom; i++) {
    const doc = new Y.Doc();
    const text = doc.getText("notes");
    const token = target.tokens?.[i % target.tokens.length];
    const provider = new WebsocketProvider(target.server, target.doc, doc, {
      params: token ? { token } : {},
      WebSocketPolyfill: /** @type {any} */ (WebSocket),
      disableBc: true,
    });
    // New Yjs ids of a remote transaction: every clock between its before and after state.
    doc.on("afterTransaction", (tr) => {
      if (tr.local || !measuring) return;
      const now = performance.now();
      tr.afterState.forEach((after, client) => {
        for (let clock = tr.beforeState.get(client) ?? 0; clock < after; clock++) {
          const at = sent.get(`${client}:${clock}`);
          if (at !== undefined) {
            latencies.push(now - at);
            mine.latencies.push(now - at);
          }
        }
      });
    });
    clients.push({ doc, text, provider, group: mine });
    mine.clients.push(clients[clients.length - 1]);
  }
}

// Connect everyone (staggering is not needed: the servers must handle concurrent opens).
const connectStart = performance.now();
await Promise.race([
  Promise.all(clients.map((c) => new Promise((resolve) => {
    if (c.provider.synced) resolve();
    else c.provider.once("sync", () => resolve());
  }))),
  sleep(30000),
]);
const synced = clients.filter((c) => c.provider.synced).length;
const connectMs = performance.now() - connectStart;

measuring = true;
const letters = "abcdefghijklmnopqrstuvwxyz ";
const timers = clients.map((c) => {
  const tick = () => {
    const { doc, text } = c;
    // The next item this client creates gets the clock = its current state.
    sent.set(`${doc.clientID}:${Y.getState(doc.store, doc.clientID)}`, performance.now());
    text.insert(text.length, letters[typed % letters.length]);
    typed++;
    c.group.typed++;
  };
  const start = setTimeout(() => {
    c.interval = setInterval(tick, 1000 / rate);
  }, Math.random() * (1000 / rate));
  return start;
});
await sleep(durationMs);
timers.forEach((t) => clearTimeout(t));
clients.forEach((c) => clearInterval(c.interval));
await sleep(drainMs);
measuring = false;

latencies.sort((a, b) => a - b);
/** @param {number[]} sorted @param {number} p */
const pctOf = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
const pct = (p) => pctOf(latencies, p);
const expected = typed * (perRoom - 1);
const result = {
  clients: clients.length,
  synced,
  connect_ms: connectMs,
  typed,
  expected,
  received: latencies.length,
  lost: expected - latencies.length,
  p50_ms: pct(50),
  p90_ms: pct(90),
  p99_ms: pct(99),
  max_ms: latencies.length ? latencies[latencies.length - 1] : null,
  // Text per document as each client ends up with it, to check convergence.
  converged: targets.every((_, r) => {
    const texts = clients.slice(r * perRoom, (r + 1) * perRoom).map((c) => c.text.toString());
    return texts.every((t) => t === texts[0]);
  }),
};
result.groups = Object.fromEntries([...groups].map(([name, g]) => {
  g.latencies.sort((a, b) => a - b);
  const expectedHere = g.typed * (perRoom - 1);
  return [name, {
    clients: g.clients.length,
    synced: g.clients.filter((c) => c.provider.synced).length,
    typed: g.typed,
    lost: expectedHere - g.latencies.length,
    p50_ms: pctOf(g.latencies, 50),
    p99_ms: pctOf(g.latencies, 99),
    max_ms: g.latencies.length ? g.latencies[g.latencies.length - 1] : null,
  }];
}));
clients.forEach((c) => c.provider.destroy());
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
