/** How fast a bucket refills and how much it holds. */
export interface BucketRate {
  /** Tokens added per second; 0 means no limit. */
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * One token bucket: full at `burst`, refilled at `perSecond`, one token per request or message.
 * Time comes from `now` (epoch ms) so tests step it instead of waiting.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: BucketRate,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate.burst;
    this.at = now();
  }

  /** Takes a token: 0 when there was one, else the whole seconds until there will be (for `Retry-After`). */
  take(): number {
    if (this.rate.perSecond <= 0) return 0;
    const now = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + (Math.max(0, now - this.at) / 1000) * this.rate.perSecond);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate.perSecond));
  }
}

/**
 * A bucket per client key, at most `maxKeys` of them: the least recently used go first (a
 * forgotten client starts again with a full bucket, which is what an idle one would have).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: BucketRate,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether these buckets limit anything (a rate of 0 means no limit). */
  get limited(): boolean {
    return this.rate.perSecond > 0;
  }

  take(key: string): number {
    if (!this.limited) return 0;
    const bucket = this.buckets.get(key) ?? new TokenBucket(this.rate, this.now);
    // Re-inserted last, so the Map's order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    for (const oldest of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(oldest);
    }
    return bucket.take();
  }

  get size(): number {
    return this.buckets.size;
  }
}
