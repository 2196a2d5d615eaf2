/** Why a job's signal was aborted: the user stopped it, or the server is shutting down. */
export class JobInterrupted extends Error {
  readonly mode: "cancel" | "pause";
  constructor(mode: "cancel" | "pause", message: string) {
    super(message);
    this.name = "JobInterrupted";
    this.mode = mode;
  }
}

export function interruption(signal: AbortSignal): JobInterrupted | undefined {
  return signal.aborted && signal.reason instanceof JobInterrupted ? signal.reason : undefined;
}
