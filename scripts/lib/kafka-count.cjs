// Preload (`node -r ./scripts/lib/kafka-count.cjs`) that counts the requests a service sends to the
// Kafka broker through kafkajs, by API (Fetch, Produce, OffsetCommit, Heartbeat, …), and writes
// `<service>-<pid>.kafka.json` into REMIT_PROFILE_DIR (default .run/profiles) when the process ends.
// Used through REMIT_NODE_ARGS like sql-count.cjs (docs/performance.md, "Profiling").
'use strict';
const Connection = require('kafkajs/src/network/connection');
const { writeWhenProcessEnds } = require('./profile-output.cjs');

const counts = new Map();
const original = Connection.prototype.send;
Connection.prototype.send = function countedSend(protocol, ...rest) {
  const name = protocol && protocol.request && protocol.request.apiName;
  if (typeof name === 'string') counts.set(name, (counts.get(name) ?? 0) + 1);
  return original.call(this, protocol, ...rest);
};

writeWhenProcessEnds('.kafka.json', () =>
  JSON.stringify(Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])), null, 1),
);
