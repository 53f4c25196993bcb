#!/usr/bin/env node
// `node scripts/cpu-profile-top.mjs FILE.cpuprofile [...]`: where a process's CPU went — busy time by
// package (self time) and the top functions by self time. docs/performance.md, "Profiling".
import fs from 'node:fs';

const percent = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`.padStart(6);
const IDLE = new Set(['(idle)', '(program)']);

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map();
  profile.samples.forEach((id, index) =>
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)),
  );
  const byPackage = new Map();
  const byFunction = new Map();
  let busy = 0;
  for (const [id, time] of selfTime) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    if (IDLE.has(functionName)) continue;
    busy += time;
    const inPackage = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const where =
      inPackage ??
      (url.includes('/dist/') ? 'remit' : url.startsWith('node:') ? 'node' : `(native) ${functionName}`);
    byPackage.set(where, (byPackage.get(where) ?? 0) + time);
    const name = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  }
  const top = (map, count) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, time]) => `  ${percent(time, busy)}  ${name}`)
      .join('\n');
  console.log(`\n${file}: ${(busy / 1e6).toFixed(1)} s busy`);
  console.log(`by package (self time)\n${top(byPackage, 12)}`);
  console.log(`functions (self time)\n${top(byFunction, 15)}`);
}
