// Process accounting from /proc (Linux): CPU time (utime + stime, in clock ticks of 10 ms) of
// the processes a scenario runs on, the machine's total busy time (to see load that is not ours:
// this is a shared 2-core machine), and peak resident memory (VmHWM).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** USER_HZ: clock ticks per second of /proc/<pid>/stat (100 on every mainstream Linux). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const MS_PER_TICK = 1000 / TICKS_PER_SECOND;

/** CPU milliseconds (user + system) the process has used so far; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of the full line (utime, stime) are 12 and 13 here (0-based, after field 2).
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** Peak and current resident set size in MiB (VmHWM, VmRSS). */
export function memoryMiB(pid: number): { peak: number; current: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peak: kb('VmHWM') / 1024, current: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU time in ms: busy (everything but idle and iowait) and total. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy * MS_PER_TICK, total: (busy + idle + iowait) * MS_PER_TICK };
}

/** PIDs of a system daemon by its command name (MariaDB, Redis), for attribution only. */
export function pidsOf(comm: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', comm], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface CpuWindow {
  wallMs: number;
  /** CPU ms per named process during the window. */
  perProcess: Record<string, number>;
  /** CPU ms of the whole machine during the window, and its capacity (cores × wall). */
  machineBusyMs: number;
  machineCapacityMs: number;
  /** Busy CPU not accounted to any named process (other sessions' tests, the kernel...). */
  unaccountedMs: number;
}

/**
 * Measures CPU per named process over a window: `const w = cpuWindow(procs); ...; w.stop()`.
 * The named set should include every process of the run (including this one and the
 * databases) so that `unaccountedMs` is the load that is not ours.
 */
export function cpuWindow(processes: Record<string, number | undefined>): { stop(): CpuWindow } {
  const t0 = performance.now();
  const m0 = machineCpuMs();
  const c0 = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid ? cpuMs(pid) : undefined]));
  return {
    stop() {
      const wallMs = performance.now() - t0;
      const m1 = machineCpuMs();
      const perProcess: Record<string, number> = {};
      for (const [name, pid] of Object.entries(processes)) {
        const before = c0[name];
        const after = pid ? cpuMs(pid) : undefined;
        if (before !== undefined && after !== undefined) perProcess[name] = after - before;
      }
      const machineBusyMs = m1.busy - m0.busy;
      const accounted = Object.values(perProcess).reduce((a, b) => a + b, 0);
      return {
        wallMs,
        perProcess,
        machineBusyMs,
        machineCapacityMs: wallMs * os.cpus().length,
        unaccountedMs: Math.max(0, machineBusyMs - accounted),
      };
    },
  };
}

/**
 * CPU per second of each process while nothing is asked of the system (polling, timers,
 * metrics, the dev server's own housekeeping): subtracted from a step's CPU, it leaves the
 * CPU the operations themselves cost.
 */
export async function idleCpuRates(
  processes: Record<string, number | undefined>,
  ms = 3000,
): Promise<Record<string, number>> {
  const w = cpuWindow(processes);
  await new Promise((r) => setTimeout(r, ms));
  const c = w.stop();
  return Object.fromEntries(Object.entries(c.perProcess).map(([k, v]) => [k, (v / c.wallMs) * 1000]));
}

/** A step's CPU per operation with the idle CPU of each process over the same wall time removed. */
export function netCpuPerOp(w: CpuWindow, idlePerSecond: Record<string, number>, ops: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(w.perProcess).map(([k, v]) => [
      k,
      Math.max(0, v - ((idlePerSecond[k] ?? 0) * w.wallMs) / 1000) / Math.max(1, ops),
    ]),
  );
}
