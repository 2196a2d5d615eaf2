/**
 * Waits that all last the same time expire in the order they began, so one linked list and one timer serve them
 * all: adding or cancelling a wait is O(1) and allocates one node, instead of a timer (and its promises) per call.
 */

/** Node clamps longer delays to 1ms; so do we, so a huge timeout behaves as it did with a timer per call. */
const TIMEOUT_MAX = 2 ** 31 - 1;

export interface Wait {
  readonly deadline: number;
  readonly onExpire: () => void;
  prev: Wait | undefined;
  next: Wait | undefined;
  /** False once expired or cancelled. */
  pending: boolean;
}

export class Deadlines {
  /** The wait that expires first. */
  private head: Wait | undefined;
  private tail: Wait | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly ms: number;

  /** `ms` must be positive; Infinity means waits never expire. */
  constructor(ms: number) {
    this.ms = ms > TIMEOUT_MAX && ms !== Number.POSITIVE_INFINITY ? 1 : ms;
  }

  /** Calls `onExpire` once `ms` have passed, unless the wait is cancelled first. */
  add(onExpire: () => void): Wait {
    const never = this.ms === Number.POSITIVE_INFINITY;
    const wait: Wait = {
      deadline: performance.now() + this.ms,
      onExpire,
      prev: undefined,
      next: undefined,
      pending: !never,
    };
    if (never) return wait;
    wait.prev = this.tail;
    if (this.tail) this.tail.next = wait;
    else this.head = wait;
    this.tail = wait;
    if (this.timer === undefined) this.schedule(this.ms);
    return wait;
  }

  cancel(wait: Wait): void {
    if (!wait.pending) return;
    wait.pending = false;
    this.unlink(wait);
    // The timer is left for the next wait's deadline (it re-arms when it fires); with none left, nothing may keep
    // the process alive, as a cleared per-call timer would not.
    if (this.head === undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private unlink(wait: Wait): void {
    if (wait.prev) wait.prev.next = wait.next;
    else this.head = wait.next;
    if (wait.next) wait.next.prev = wait.prev;
    else this.tail = wait.prev;
    wait.prev = undefined;
    wait.next = undefined;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(1, Math.ceil(delayMs)));
  }

  /** Expires every wait whose deadline has passed, then re-arms for the next one. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (let w = this.head; w !== undefined && w.deadline <= now; w = this.head) {
      w.pending = false;
      this.unlink(w);
      w.onExpire();
    }
    if (this.head !== undefined && this.timer === undefined) this.schedule(this.head.deadline - now);
  }
}
