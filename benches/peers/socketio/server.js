#!/usr/bin/env node
// Socket.IO 4 peer for benches/compare.sh: the same room broadcast as liveplan, with
// nothing else (no auth, no database, no history), so the comparison measures fan-out.
//
//   node server.js [--port P] [--host H]     (defaults 3000, 127.0.0.1)
//
// Socket.IO (WebSocket transport only, Engine.IO v4):
//   client -> join   {room}            the socket enters the room; server -> joined {room}
//   client -> typing {room, taskId}    relayed as typing {room, taskId} to the others in the room
// HTTP:
//   POST /mutate {"room":"R"}          next seq of R (1, 2, 3...); every socket in R gets
//                                      event {room, seq, timestamp}; answers 200 {"seq":N}
//   GET  /healthz                      200 "ok"
//
// Prints "listening on port P" to stdout once listening.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const MAX_BODY_BYTES = 64 * 1024;

const USAGE = "usage: node server.js [--port P] [--host H]   (defaults 3000, 127.0.0.1)\n";

function parseArgs(argv) {
  const opts = { port: 3000, host: "127.0.0.1" };
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i]);
    if (name === "--port" || name === "-p") {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 65535) {
        process.stderr.write(`--port: expected a port number, got ${JSON.stringify(v)}\n`);
        process.exit(2);
      }
      opts.port = Number(v);
    } else if (name === "--host") {
      const v = value();
      if (!v) {
        process.stderr.write("--host: expected an address\n");
        process.exit(2);
      }
      opts.host = v;
    } else if (name === "--help" || name === "-h") {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument: ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return opts;
}

function isRoom(room) {
  return typeof room === "string" && room.length > 0;
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const { port, host } = parseArgs(process.argv);

// Next seq per room (1, 2, 3...).
const seqs = new Map();

const httpServer = http.createServer((req, res) => {
  // Engine.IO wraps this listener and answers /socket.io/ itself; guard anyway.
  if (req.url.startsWith("/socket.io/")) return;

  const path = req.url.split("?", 1)[0];
  if (path === "/healthz" && req.method === "GET") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  if (path !== "/mutate") {
    reply(res, 404, { error: "not found" });
    return;
  }
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    reply(res, 405, { error: "method not allowed" });
    return;
  }

  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true;
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (tooLarge) {
      reply(res, 413, { error: "body too large" });
      return;
    }
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      reply(res, 400, { error: "body is not JSON" });
      return;
    }
    const room = body && body.room;
    if (!isRoom(room)) {
      reply(res, 400, { error: "room: expected a non-empty string" });
      return;
    }
    const seq = (seqs.get(room) || 0) + 1;
    seqs.set(room, seq);
    io.to(room).emit("event", { room, seq, timestamp: new Date().toISOString() });
    reply(res, 200, { seq });
  });
  req.on("error", () => {
    if (!res.headersSent) reply(res, 400, { error: "bad request" });
  });
});

const io = new Server(httpServer, {
  cors: { origin: "*" },
  transports: ["websocket"],
});

io.on("connection", (socket) => {
  socket.on("join", (msg) => {
    const room = msg && msg.room;
    if (!isRoom(room)) return;
    socket.join(room);
    socket.emit("joined", { room });
  });

  socket.on("typing", (msg) => {
    const room = msg && msg.room;
    if (!isRoom(room) || !socket.rooms.has(room)) return;
    socket.to(room).emit("typing", { room, taskId: msg.taskId });
  });
});

httpServer.on("error", (err) => {
  process.stderr.write(`server error: ${err.message}\n`);
  process.exit(1);
});

httpServer.listen(port, host, () => {
  process.stdout.write(`listening on port ${httpServer.address().port}\n`);
});

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
