// Process control for the background processes that scripts/infra.mjs starts (the Kafka broker): pid
// files, liveness, an O_EXCL start lock, detached spawning and SIGTERM/SIGKILL stopping.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { InfraError, sleep } from './common.mjs';

export function tail(file, lines = 40) {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

export function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  try {
    // A zombie (killed, not yet reaped by its parent) is not a running broker.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** True when pid is alive and its command line contains every one of `args` (guards against pid reuse). */
export function isRunningWith(pid, ...args) {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.every((arg) => cmdline.includes(arg));
  } catch {
    return false;
  }
}

export function readPid(pidFile) {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

export function removeFile(file) {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}

/**
 * An O_EXCL lock file so that two processes (npm start, jest) never do `fn` at once. While another live
 * process holds it: `onContended(owner)` once, then `onWait()` every 500 ms — truthy means the other
 * process did the work ({waited: true}); after waitMs, an error naming `purpose`.
 */
export async function withLockFile(lockFile, fn, { waitMs, purpose, onContended, onWait }) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let content;
      try {
        content = fs.readFileSync(lockFile, 'utf8').trim();
      } catch {
        continue; // released meanwhile
      }
      if (content === '') {
        await sleep(100); // the owner has created it but not written its pid yet
        continue;
      }
      const owner = Number.parseInt(content, 10);
      if (!isAlive(owner)) {
        removeFile(lockFile); // left behind by a process that died mid-start
        continue;
      }
      if (!announced) {
        onContended?.(owner);
        announced = true;
      }
      if (onWait && (await onWait())) return { waited: true };
      if (Date.now() > deadline)
        throw new InfraError(`timed out waiting for pid ${owner} to ${purpose} (${lockFile})`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    removeFile(lockFile);
  }
}

/**
 * Spawns `command` detached from this process (it outlives it), stdout and stderr appended to logFile (the
 * previous one kept as prevLog), and writes its pid to pidFile once it runs. `hint` completes the error.
 */
export async function spawnDetached(command, args, { cwd, logFile, prevLog, pidFile, hint }) {
  if (fs.existsSync(logFile)) fs.renameSync(logFile, prevLog);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(new InfraError(`cannot run ${command} (${error.message}); ${hint}`)),
    );
  });
  child.unref();
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  return child;
}

/**
 * SIGTERM, then SIGKILL (after calling `onKill`) if pid still runs after timeoutMs, waiting at most 10 s
 * more for it to go. Returns the last signal sent.
 */
export async function terminate(pid, { timeoutMs, onKill }) {
  const started = Date.now();
  process.kill(pid, 'SIGTERM');
  let signal = 'SIGTERM';
  while (isAlive(pid)) {
    if (Date.now() - started > timeoutMs) {
      onKill?.();
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      signal = 'SIGKILL';
      while (isAlive(pid) && Date.now() - started < timeoutMs + 10_000) await sleep(100);
      break;
    }
    await sleep(200);
  }
  return signal;
}
