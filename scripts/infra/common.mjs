// Shared by the scripts/infra/ modules: the repository's paths, console output, errors, lazy npm
// packages and TCP/polling helpers. Only Node built-ins.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const KAFKA_CONF_DIR = path.join(ROOT, 'infra', 'kafka');
export const KAFKA_CACHE = path.join(ROOT, '.cache', 'kafka');
export const RUN_DIR = path.join(ROOT, '.run');
export const paths = {
  pom: path.join(KAFKA_CONF_DIR, 'pom.xml'),
  serverTemplate: path.join(KAFKA_CONF_DIR, 'server.properties'),
  log4j: path.join(KAFKA_CONF_DIR, 'log4j.properties'),
  libs: path.join(KAFKA_CACHE, 'libs'),
  data: path.join(KAFKA_CACHE, 'data'),
  clusterId: path.join(KAFKA_CACHE, 'cluster-id'),
  serverProperties: path.join(RUN_DIR, 'kafka-server.properties'),
  pidFile: path.join(RUN_DIR, 'kafka.pid'),
  log: path.join(RUN_DIR, 'kafka.log'),
  prevLog: path.join(RUN_DIR, 'kafka.prev.log'),
  startLock: path.join(RUN_DIR, 'kafka.start.lock'),
  topics: path.join(ROOT, 'libs', 'contracts', 'src', 'topics.json'),
};

export const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

// ---------------------------------------------------------------------------------------------- helpers

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
export const rel = (p) => path.relative(process.cwd(), p) || '.';
export const say = (line) => console.log(line);
/** The progress logger of the ensure* functions: silent with `quiet`. */
export const logger = (quiet) => (quiet ? () => {} : say);

export class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
  }
}

export async function lib(name) {
  try {
    return await import(name);
  } catch (error) {
    throw new InfraError(`cannot load the npm package "${name}" (${error.message}); run \`npm ci\` first`);
  }
}

/** Resolves when something accepts a TCP connection on host:port within timeoutMs. */
export function tcpOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (open) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** {host, port} of a postgres:// or redis:// URL (127.0.0.1 and defaultPort when absent). */
export function urlHostPort(url, defaultPort) {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

/** Calls `check` every intervalMs until it is truthy (→ true) or timeoutMs have passed (→ false). */
export async function pollUntil(check, { timeoutMs, intervalMs }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(intervalMs);
  }
  return false;
}
