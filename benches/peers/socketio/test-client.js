#!/usr/bin/env node
// Checks server.js: join, POST /mutate, typing; once with socket.io-client and once with
// raw Engine.IO v4 frames over a plain WebSocket (what `liveplan-load load --target socketio`
// speaks). Starts its own server on a free port unless --url is given.
//
//   node test-client.js [--url http://127.0.0.1:P]
"use strict";

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const path = require("node:path");
const { io } = require("socket.io-client");
const WebSocket = require("ws"); // a dependency of engine.io, so always installed

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function once(emitter, event, what = event) {
  return withTimeout(new Promise((resolve) => emitter.once(event, resolve)), 3000, what);
}

async function mutate(base, room) {
  const res = await fetch(`${base}/mutate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ room }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).seq;
}

async function startServer() {
  const child = spawn(process.execPath, [path.join(__dirname, "server.js"), "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on port (\d+)/);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
    }),
    5000,
    "server start",
  );
  return { child, base: `http://127.0.0.1:${port}` };
}

async function testSocketIoClient(base) {
  const opts = { transports: ["websocket"], forceNew: true, reconnection: false };
  const a = io(base, opts);
  const b = io(base, opts);
  const c = io(base, opts); // in another room: must receive nothing
  await Promise.all([once(a, "connect"), once(b, "connect"), once(c, "connect")]);

  const room = `sio-${Date.now()}`;
  a.emit("join", { room });
  b.emit("join", { room });
  c.emit("join", { room: `${room}-other` });
  assert.deepEqual(await once(a, "joined"), { room });
  assert.deepEqual(await once(b, "joined"), { room });
  assert.deepEqual(await once(c, "joined"), { room: `${room}-other` });

  const leaks = [];
  c.on("event", (e) => leaks.push(e));
  c.on("typing", (e) => leaks.push(e));

  // mutate: both members get event with seq 1, then 2
  for (const want of [1, 2]) {
    const ea = once(a, "event", "event on a");
    const eb = once(b, "event", "event on b");
    const seq = await mutate(base, room);
    assert.equal(seq, want);
    for (const e of [await ea, await eb]) {
      assert.equal(e.room, room);
      assert.equal(e.seq, want);
      assert.match(e.timestamp, ISO_MS);
      assert.ok(Math.abs(Date.parse(e.timestamp) - Date.now()) < 5000);
    }
  }

  // typing: relayed to b, not echoed to a
  let echoed = false;
  a.on("typing", () => (echoed = true));
  const tb = once(b, "typing", "typing on b");
  a.emit("typing", { room, taskId: "t-1" });
  assert.deepEqual(await tb, { room, taskId: "t-1" });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(echoed, false, "typing must not be echoed to its sender");
  assert.deepEqual(leaks, [], "the other room must receive nothing");

  for (const s of [a, b, c]) s.close();
  console.log("ok  socket.io-client: join, mutate (seq 1, 2, timestamp), typing relay, isolation");
}

// Raw Engine.IO v4 / Socket.IO v5 frames.
class RawClient {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
    this.frames = [];
    this.waiters = [];
    this.ws.on("message", (data) => {
      const text = data.toString();
      if (text === "2") {
        this.pinged = true;
        this.ws.send("3");
        return;
      }
      const w = this.waiters.shift();
      if (w) w(text);
      else this.frames.push(text);
    });
  }
  open() {
    return withTimeout(this.opened, 3000, "websocket open");
  }
  next(what) {
    if (this.frames.length) return Promise.resolve(this.frames.shift());
    return withTimeout(new Promise((r) => this.waiters.push(r)), 3000, what);
  }
  send(text) {
    this.ws.send(text);
  }
  close() {
    this.ws.close();
  }
}

async function testRawFrames(base) {
  const url = `${base.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
  const room = `raw-${Date.now()}`;
  const clients = [new RawClient(url), new RawClient(url)];
  for (const c of clients) {
    await c.open();
    const open = await c.next("engine.io open");
    assert.match(open, /^0\{/);
    const handshake = JSON.parse(open.slice(1));
    assert.ok(handshake.sid && handshake.pingInterval > 0, open);
    c.send("40");
    const connect = await c.next("socket.io connect");
    assert.match(connect, /^40\{"sid":"/);
    c.send(`42${JSON.stringify(["join", { room }])}`);
    assert.equal(await c.next("joined"), `42${JSON.stringify(["joined", { room }])}`);
  }
  const [a, b] = clients;

  const seq = await mutate(base, room);
  assert.equal(seq, 1);
  for (const c of clients) {
    const frame = await c.next("event");
    assert.ok(frame.startsWith("42["), frame);
    const [name, payload] = JSON.parse(frame.slice(2));
    assert.equal(name, "event");
    assert.equal(payload.room, room);
    assert.equal(payload.seq, 1);
    assert.match(payload.timestamp, ISO_MS);
  }

  a.send(`42${JSON.stringify(["typing", { room, taskId: "t-9" }])}`);
  assert.equal(await b.next("typing"), `42${JSON.stringify(["typing", { room, taskId: "t-9" }])}`);

  // bad mutate bodies
  const bad = await fetch(`${base}/mutate`, { method: "POST", body: "nope" });
  assert.equal(bad.status, 400);
  const noRoom = await fetch(`${base}/mutate`, { method: "POST", body: "{}" });
  assert.equal(noRoom.status, 400);
  const get = await fetch(`${base}/mutate`);
  assert.equal(get.status, 405);

  for (const c of clients) c.close();
  console.log("ok  raw EIO=4 frames: 0{...} / 40 / 40{sid} / 42[join] / 42[joined] / 42[event] / 42[typing]");
}

async function testPingPong(base) {
  // A server with short ping settings is not needed: check that a `2` from the server is
  // answered by our raw client and the connection survives, by running our own short server.
  const { Server } = require("socket.io");
  const http = require("node:http");
  const srv = http.createServer();
  const sio = new Server(srv, { transports: ["websocket"], pingInterval: 200, pingTimeout: 200 });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const url = `ws://127.0.0.1:${srv.address().port}/socket.io/?EIO=4&transport=websocket`;
  const c = new RawClient(url);
  await c.open();
  await c.next("open");
  c.send("40");
  await c.next("connect");
  await new Promise((r) => setTimeout(r, 700));
  assert.ok(c.pinged, "no ping received");
  assert.equal(c.ws.readyState, WebSocket.OPEN, "connection closed despite pongs");
  c.close();
  sio.close();
  console.log("ok  ping 2 answered with 3 keeps the connection");
}

async function main() {
  const i = process.argv.indexOf("--url");
  let server;
  let base;
  if (i > 0) base = process.argv[i + 1].replace(/\/$/, "");
  else {
    server = await startServer();
    base = server.base;
  }
  try {
    await testSocketIoClient(base);
    await testRawFrames(base);
    await testPingPong(base);
    console.log("all checks passed");
  } finally {
    if (server) server.child.kill("SIGTERM");
  }
}

main().catch((err) => {
  console.error("FAIL:", err.message);
  process.exit(1);
});
