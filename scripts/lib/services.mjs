// The four services as child processes of a script: `npm start` (scripts/start.mjs) and the chaos run
// (scripts/chaos.mjs) launch, watch and stop them through this module. Only Node built-ins.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The services in start order: the variable that sets each one's HTTP port, and its default. */
const SERVICE_DEFINITIONS = [
  { name: 'payment-intake', portVariable: 'INTAKE_PORT', defaultPort: 3001, color: 36 },
  { name: 'invoice', portVariable: 'INVOICE_PORT', defaultPort: 3002, color: 33 },
  { name: 'settlement', portVariable: 'SETTLEMENT_PORT', defaultPort: 3003, color: 35 },
  { name: 'notification', portVariable: 'NOTIFICATION_PORT', defaultPort: 3004, color: 32 },
];

/** The services with the port each one listens on under `env`. */
export function services(env = process.env) {
  return SERVICE_DEFINITIONS.map((service) => ({
    ...service,
    port: Number(env[service.portVariable] ?? service.defaultPort),
  }));
}

/**
 * `node` arguments of a service built into `distDir` (relative to the repository). The default `dist`
 * resolves the `@remit/*` aliases with scripts/register-aliases.js; another build directory (the chaos
 * run builds its own) with scripts/lib/register-dist-aliases.cjs, told the directory by REMIT_DIST_DIR.
 */
function serviceCommand(service, distDir) {
  const aliases =
    distDir === 'dist' ? './scripts/register-aliases.js' : './scripts/lib/register-dist-aliases.cjs';
  // REMIT_NODE_ARGS: extra `node` flags for the services, split on spaces, such as
  // `-r ./scripts/lib/cpu-profile.cjs` (a CPU profile per service; docs/performance.md, "Profiling").
  const extra = (process.env.REMIT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [...extra, '--enable-source-maps', '-r', aliases, `${distDir}/apps/${service.name}/src/main.js`];
}

/**
 * Starts one service (built by `tsc -p tsconfig.build.json` into `distDir`) with `env`. Its output is
 * piped (child.stdout, child.stderr), or appended to `logFile` when given.
 */
export function startService(service, { env = process.env, distDir = 'dist', logFile } = {}) {
  let stdio = ['ignore', 'pipe', 'pipe'];
  let fd;
  if (logFile) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fd = fs.openSync(logFile, 'a');
    stdio = ['ignore', fd, fd];
  }
  const childEnv = distDir === 'dist' ? env : { ...env, REMIT_DIST_DIR: path.resolve(ROOT, distDir) };
  try {
    return spawn('node', serviceCommand(service, distDir), { cwd: ROOT, env: childEnv, stdio });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The local SMTP sink (scripts/smtp-sink.mjs) for SMTP_URL, when it points at this machine: a
 * configured real mail server is left alone (returns null). Mail is kept under .run/mail/.
 */
export function startSmtpSink({ env = process.env } = {}) {
  const url = new URL(env.SMTP_URL || 'smtp://127.0.0.1:1025');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return null;
  return {
    child: spawn('node', ['scripts/smtp-sink.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }),
    mailDir: path.join('.run', 'mail'),
  };
}

/** Writes every line of the child's stdout and stderr to `out`, after `prefix`. */
export function prefixOutput(child, prefix, out = process.stdout) {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) out.write(prefix + line + '\n');
    });
  }
}

export const hasExited = (child) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, then SIGKILL after graceMs; resolves once the child has exited. */
export function stopChild(child, { graceMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    if (hasExited(child)) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}

/** The HTTP status of GET /health on the service's port, or null when nothing answers within timeoutMs. */
export async function healthStatus(port, { timeoutMs = 3000 } = {}) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

/** Resolves once GET /health answers 200; throws after deadlineMs. */
export async function waitHealthy(service, deadlineMs = 120_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if ((await healthStatus(service.port)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${service.name} did not become healthy on port ${service.port}`);
}
