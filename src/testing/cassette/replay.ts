/**
 * A recorded call as a `Reply`, so a replay is played by the scripted driver through the real
 * `RunningProcess` — the same pumps, line handlers, limits, deadlines and cancellation as a
 * live run, and as every other scripted reply.
 */
import type { ReplyChunk, Reply as ReplyType } from "../reply.js";
import { Reply } from "../reply.js";
import type { RecordedCall, RecordedEvent } from "./format.js";
import type { ReplayTiming } from "./options.js";

/**
 * @param bulk a bulk verb (`output`, `run` …): a recorded timeout then answers at once, like
 *   `Reply.timeout()` does, with the recorded output as the partial output.
 */
export function replyFor(call: RecordedCall, timing: ReplayTiming, bulk: boolean): ReplyType {
  const reply = endOf(call);
  if (call.end.kind === "timeout" && bulk) {
    return reply.withStdout(textOf(call.events, "stdout")).withStderr(textOf(call.events, "stderr"));
  }
  let previous = 0;
  const chunks: ReplyChunk[] = call.events.map((event) => {
    const delayMs = timing === "recorded" ? Math.max(0, event.at - previous) : 0;
    previous = Math.max(previous, event.at);
    return { stream: event.stream, data: bytesOf(event), delayMs };
  });
  const played = reply.withChunks(chunks);
  return timing === "recorded" ? played.after(Math.max(0, call.durationMs - previous)) : played;
}

function endOf(call: RecordedCall): ReplyType {
  const end = call.end;
  switch (end.kind) {
    case "exit":
      return Reply.fail(end.code);
    case "signal":
      return Reply.signalled(end.signal);
    case "timeout":
      return Reply.timeout();
    case "pending":
      return Reply.pending();
    case "spawn-error":
      return Reply.spawnError(end.message);
  }
}

function bytesOf(event: RecordedEvent): Uint8Array {
  return event.base64 !== undefined
    ? Buffer.from(event.base64, "base64")
    : Buffer.from(event.text ?? "", "utf8");
}

function textOf(events: readonly RecordedEvent[], stream: "stdout" | "stderr"): string {
  return events
    .filter((e) => e.stream === stream)
    .map((e) => Buffer.from(bytesOf(e)).toString("utf8"))
    .join("");
}
