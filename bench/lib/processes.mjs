import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** A free loopback port, from the OS. */
export function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server process and resolves once it answers on its port. */
export async function startServer(name, command, args, port, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
  let stderr = '';
  child.stderr.on('data', (data) => (stderr += data));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr.slice(-500)}`);
    if (await answers(port)) break;
    if (Date.now() > deadline) throw new Error(`${name} did not start: ${stderr.slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill(options.stopSignal ?? 'SIGKILL');
      }),
  };
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether a program is on the PATH. */
export function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** A process and its children (a primary's workers), as pids (Linux). */
function processTree(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Gone, or no children file: the process alone.
  }
  return [pid, ...children.flatMap(processTree)];
}

/** Resident memory of a process and its children now, in MB (Linux). */
export function rssMb(pid) {
  let total = 0;
  for (const member of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      // Exited meanwhile.
    }
  }
  return total;
}

/** Samples a process's RSS every 100 ms until stopped; resolves with the peak. */
export function watchRss(pid) {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMb(pid));
  };
}

/** CPU time (user + system) a process and its children have used so far, in microseconds (Linux, 100 clock ticks a second). */
export function cpuMicros(pid) {
  let total = 0;
  for (const member of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${member}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10_000;
    } catch {
      if (member === pid) return NaN;
    }
  }
  return total;
}
