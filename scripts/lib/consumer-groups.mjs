// The services' Kafka consumer groups, read from a build of the code, for the scripts that start their
// own services (chaos, bench:flow) and set those groups' offsets first. Only Node built-ins.
import fs from 'node:fs';
import path from 'node:path';

/**
 * The group ids (without the KAFKA_GROUP_PREFIX) declared in the compiled apps under `appsDir`:
 * `@KafkaConsumer({ groupId: '…' })`, and the plain consumers' `…_GROUP = '…'` constants.
 */
export function consumerGroupsIn(appsDir) {
  const found = new Set();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.js')) {
        const text = fs.readFileSync(file, 'utf8');
        for (const match of text.matchAll(/\b(?:groupId: |[A-Z]+_GROUP = )'([^']+)'/g)) found.add(match[1]);
      }
    }
  };
  walk(appsDir);
  return [...found].sort();
}
