/** Reading a job's events over REST v1 (every page), and waiting for one to appear. */
import type { TestEvent } from "../../src/api/types.js";
import { request } from "../helpers.js";

export async function jobEvents(
  url: string,
  jobId: number,
  query: Record<string, string | number> = {},
): Promise<TestEvent[]> {
  const all: TestEvent[] = [];
  let after: number | null = 0;
  while (after !== null) {
    const qs = new URLSearchParams({ ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });
    qs.set("after", String(after));
    qs.set("limit", "1000");
    const res = await request<{ events: TestEvent[]; next: number | null }>(url, `/api/v1/jobs/${jobId}/events?${qs}`);
    if (res.status !== 200) throw new Error(`events failed: ${res.status} ${res.text}`);
    all.push(...res.body.events);
    after = res.body.next;
  }
  return all;
}

/** Polls the job's events until one matches; fails after `timeoutMs`. */
export async function waitForEvent(
  url: string,
  jobId: number,
  match: (e: TestEvent) => boolean,
  timeoutMs = 20_000,
): Promise<TestEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await jobEvents(url, jobId)).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`job ${jobId}: no matching event after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
