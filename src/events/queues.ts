/**
 * The notification queues (EngFlow's notification queue, seeds/000): each names which log entries it announces.
 * Storage enqueues a notification in the same transaction as the entry, so a queue never misses one.
 */
import type { EntityType } from "../api/types.js";

/** One notification per job state change (creation included), as EngFlow's `lifecycle-events`. */
export const LIFECYCLE_QUEUE = "jobs/lifecycle-events";

const QUEUES: ReadonlyMap<string, (e: { entityType: EntityType }) => boolean> = new Map([
  [LIFECYCLE_QUEUE, (e) => e.entityType === "job"],
]);

export function isQueueName(name: string): boolean {
  return QUEUES.has(name);
}

export function queueNames(): string[] {
  return [...QUEUES.keys()];
}

/** The queues that announce this entry. */
export function queuesFor(e: { entityType: EntityType }): string[] {
  const names: string[] = [];
  for (const [name, accepts] of QUEUES) if (accepts(e)) names.push(name);
  return names;
}
