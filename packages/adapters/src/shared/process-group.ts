import { existsSync, readFileSync, readdirSync } from "node:fs";
import { errnoCode } from "./errno.js";

/**
 * Process groups: a job or a kernel is started as the leader of its own group (`detached`),
 * so that stopping it stops everything it started, forks included.
 */

export const hasProc = existsSync("/proc/self/stat");

/**
 * True while any process of the group is alive. On Linux, zombies don't count: a child
 * orphaned by the kill is reparented to init, which may reap it only a second later.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
  if (!hasProc) return true;
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after "pid (comm) ": state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
  }
  return false;
}

/** Alive and not a zombie waiting to be reaped (Linux /proc; elsewhere, whether it can be signalled). */
export function processAlive(pid: number): boolean {
  if (!hasProc) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return errnoCode(error) === "EPERM";
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM to the whole group, SIGKILL after the grace period, then wait until no member is left. */
export async function stopProcessGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(20);
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, "SIGKILL");
  const hardDeadline = Date.now() + 5_000;
  while (groupAlive(pgid) && Date.now() < hardDeadline) await sleep(10);
}

