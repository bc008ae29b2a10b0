import type { Job } from "@parallax/domain/jobs";
import type { IdGenerator } from "../../../shared/id-generator.port.js";

/**
 * The lease one run holds, as its token rotates: each heartbeat draws a fresh token, and every
 * later write (the next heartbeat, the outcome, a release) names the newest one the store holds.
 * A heartbeat whose answer was lost (the write may have landed) leaves the store holding a token
 * this run drew but never saw confirmed: any token drawn by this run proves it holds the lease,
 * since no other run ever draws it; a token another worker's claim wrote never does.
 *
 * It also keeps the job as this run last wrote or read it (`latest`): the run's writes try
 * that version first instead of reading the job again (`modifyJob`'s `known`).
 */
export class RunLease {
  readonly owner: string;
  private readonly claimToken: string;
  private confirmed: string;
  /**
   * Tokens drawn for heartbeats, in the order drawn, from the last confirmed one on: the store
   * holds that one or a later one (each write is a compare-and-set on the version), so those
   * drawn before it can never be there again and are let go (a run heartbeating for days keeps
   * one or two, not one per heartbeat). Made at the first heartbeat: most runs end before one.
   */
  private drawn: string[] | undefined;
  /** The newest version of the job this run has seen (claimed, written, read). */
  latest: Job;

  constructor(
    claimed: Job,
    private readonly ids: IdGenerator,
  ) {
    this.owner = claimed.lease!.owner;
    this.claimToken = this.confirmed = claimed.lease!.token;
    this.latest = claimed;
  }

  /** A fresh token for the next heartbeat, remembered as this run's. */
  drawNext(): string {
    const token = `${this.owner}/${this.ids.next()}`;
    (this.drawn ??= []).push(token);
    return token;
  }

  /** This run drew `token`: the claim's, or a heartbeat's. */
  private drew(token: string): boolean {
    return token === this.claimToken || this.drawn?.includes(token) === true;
  }

  /** The token to write `current` under: the one it carries if this run drew it, else the last confirmed (which the store will refuse). */
  tokenFor(current: Job): string {
    const stored = current.lease?.token;
    return stored !== undefined && this.drew(stored) ? stored : this.confirmed;
  }

  holds(current: Job): boolean {
    return current.status === "running" && current.lease !== null && this.drew(current.lease.token);
  }

  /** The store confirmed `written`: its token is the one to name from now on. */
  confirm(written: Job): void {
    this.saw(written);
    if (written.lease && this.drew(written.lease.token)) {
      this.confirmed = written.lease.token;
      const at = this.drawn?.indexOf(this.confirmed) ?? -1;
      if (at > 0) this.drawn!.splice(0, at);
    }
  }

  /** The job as read or written now: kept if newer than `latest`. */
  saw(job: Job): void {
    if (job.version > this.latest.version) this.latest = job;
  }
}
