/**
 * The benchmark's job descriptors: TargetList with one target, cmd-free `echo` steps (cheap for the runner),
 * TargetSuccess run reporter and noop final reporter. Every job gets its own target ID: jobs sharing a target
 * would wait for each other's target lock and the benchmark would measure lock waits.
 */

function descriptor(targetId: string, steps: number): Record<string, unknown> {
  return {
    JobName: "bench",
    Version: "1.0",
    Runs: 1,
    Tags: ["bench"],
    TestDescriptors: [
      {
        TargetManagerName: "TargetList",
        TargetManagerAcquireParameters: { Targets: [{ ID: targetId }] },
        TestFetcherName: "literal",
        TestFetcherFetchParameters: {
          TestName: "Test",
          Steps: Array.from({ length: steps }, (_, i) => ({
            name: "echo",
            label: `echo${i + 1}`,
            parameters: { text: [`step ${i + 1} on {{ .ID }}`] },
          })),
        },
      },
    ],
    Reporting: {
      RunReporters: [{ Name: "TargetSuccess", Parameters: { SuccessExpression: "=100%" } }],
      FinalReporters: [{ Name: "noop" }],
    },
  };
}

const MARK = "@@TARGET@@";

/** A function giving the JSON text of the descriptor for a target ID, without re-serialising per call. */
export function descriptorText(steps: number): (targetId: string) => string {
  const [before, after] = JSON.stringify(descriptor(MARK, steps)).split(MARK) as [string, string];
  return (id) => before + id + after;
}

/** The 3-step submit benchmark descriptor. */
export const threeSteps = descriptorText(3);
/** The 1-step no-op descriptor. */
export const oneStep = descriptorText(1);

/** ConTest form body (`requestor`, `jobDesc`), as contestcli sends it. */
export function contestForm(text: string, requestor = "bench"): string {
  return `requestor=${requestor}&jobDesc=${encodeURIComponent(text)}`;
}

export const REST_HEADERS = { "content-type": "application/json", "x-ordo-requestor": "bench" };
export const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded" };

/** A job that holds the only running slot for an hour (the no-op benchmark queues the others behind it). */
export function blockerText(): string {
  return JSON.stringify({
    JobName: "blocker",
    Runs: 1,
    TestDescriptors: [
      {
        TargetManagerName: "TargetList",
        TargetManagerAcquireParameters: { Targets: [{ ID: "blocker" }] },
        TestFetcherName: "literal",
        TestFetcherFetchParameters: {
          TestName: "Block",
          Steps: [{ name: "sleep", label: "block", parameters: { duration: ["1h"] } }],
        },
      },
    ],
    Reporting: { FinalReporters: [{ Name: "noop" }] },
  });
}
