#!/usr/bin/env node
// `node scripts/perf-top.mjs FILE [--pid PID ...] [--package NAME]`: where the CPU of processes went, from
// the text of a Linux `perf` recording (`perf script -F pid,tid,ip,sym,dso`, call graphs on; the services
// started with `node --perf-basic-prof` so that JavaScript frames have names). docs/performance.md,
// "Profiling".
//
// For each process (or the --pid ones): its samples by owner — the first npm package or service module
// (apps/*, libs/*) on the sample's stack, from the sampled frame up, so that a socket write or a native
// helper counts for the package that called it; "[kernel]" marks samples in the kernel — then the share
// of its other threads (V8's optimising compiler, the garbage collector's helpers). With --package NAME,
// the functions of that owner instead. For PostgreSQL backends (no JavaScript), the share of parse,
// analysis, planning, execution and commit.
// Unlike a V8 CPU profile, perf samples only what runs on a CPU: a thread blocked in a system call or
// waiting for a core does not count.
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pid: { type: 'string', multiple: true },
    package: { type: 'string' },
    top: { type: 'string', default: '20' },
  },
});
if (positionals.length !== 1) {
  console.error(
    'usage: node scripts/perf-top.mjs PERF_SCRIPT_OUTPUT [--pid PID ...] [--package NAME] [--top N]',
  );
  process.exit(2);
}
const TOP = Number(options.top);

/** The npm package (`pg`, `@nestjs/core`) or service module (`remit:apps/invoice`) of a frame, if any. */
function ownerOf(frame) {
  const dependency = /node_modules\/((@[^/]+\/)?[^/ :]+)/.exec(frame);
  if (dependency) return dependency[1];
  const own = /\/dist\/((apps|libs)\/[^/ :]+)/.exec(frame);
  return own ? `remit:${own[1]}` : undefined;
}

const POSTGRES_PHASES = [
  ['parse', /raw_parser|pg_parse_query/],
  ['analyse and rewrite', /parse_analyze|pg_analyze_and_rewrite|QueryRewrite/],
  ['plan', /pg_plan_queries|standard_planner|BuildCachedPlan/],
  ['commit (WAL)', /CommitTransaction|RecordTransactionCommit|XLogFlush/],
  ['execute', /standard_ExecutorRun|ExecutorStart|ExecutorEnd|PortalRun/],
  ['read from the client', /pq_getbyte|pq_recvbuf|secure_read|pq_getmessage/],
];

const processes = new Map();
for (const block of fs.readFileSync(positionals[0], 'utf8').split('\n\n')) {
  const lines = block.split('\n').filter(Boolean);
  if (lines.length < 2) continue;
  const [pid, tid] = lines[0].trim().split(/\s+/)[0].split('/');
  if (options.pid && !options.pid.includes(pid)) continue;
  const frames = lines.slice(1).map((line) => line.trim().replace(/^\S+\s+/, ''));
  const stack = frames.join('\n');
  // Every PostgreSQL backend together: one process per connection.
  const postgres = stack.includes('/bin/postgres');
  const id = postgres ? 'all backends' : pid;
  let entry = processes.get(id);
  if (!entry) {
    entry = { samples: 0, counts: new Map(), postgres, program: undefined };
    processes.set(id, entry);
  }
  entry.samples += 1;
  entry.program ??= /dist\/apps\/([a-z-]+)\//.exec(stack)?.[1];
  let key;
  if (entry.postgres) {
    key = POSTGRES_PHASES.find(([, pattern]) => pattern.test(stack))?.[0] ?? 'other';
  } else if (tid !== pid) {
    key = /compiler::|Compile/.test(stack)
      ? '[other thread] V8 optimising compiler'
      : '[other thread] GC and the rest';
  } else {
    const index = frames.findIndex((frame) => ownerOf(frame));
    const owner = index >= 0 ? ownerOf(frames[index]) : '(no package on the stack: event loop, promises, GC)';
    const kernel = frames[0]?.includes('[kernel.kallsyms]') ? ' [kernel]' : '';
    if (options.package) {
      if (owner !== options.package) continue;
      key =
        frames[index].replace(/\(\/tmp\/perf-\d+\.map\)/, '').replace(/\/\S*\/(node_modules|dist)\//, '') +
        kernel;
    } else {
      key = owner + kernel;
    }
  }
  entry.counts.set(key, (entry.counts.get(key) ?? 0) + 1);
}

const all = [...processes.values()].reduce((sum, entry) => sum + entry.samples, 0);
for (const [pid, entry] of [...processes].sort((a, b) => b[1].samples - a[1].samples)) {
  if (!options.pid && entry.samples < all / 50) continue;
  const name = entry.program ?? (entry.postgres ? 'postgres' : 'another process (no service)');
  console.log(
    `\n${name} ${pid}: ${entry.samples} samples (${((100 * entry.samples) / all).toFixed(1)} % of all)`,
  );
  const counted = [...entry.counts.values()].reduce((sum, count) => sum + count, 0);
  for (const [key, count] of [...entry.counts].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${((100 * count) / counted).toFixed(1).padStart(5)} %  ${key}`);
  }
}
