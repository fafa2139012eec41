/** Deadline timers: delays past setTimeout's 2^31-1 ms limit, and the inactivity timer's re-arming. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { after as afterDelay, InactivityTimer } from "../../src/process/timer.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const MAX = 2 ** 31 - 1;

describe("after()", () => {
  it("fires once at the delay", () => {
    const fn = vi.fn();
    afterDelay(1000, fn);
    vi.advanceTimersByTime(999);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("a delay longer than setTimeout allows (~24.8 days) does not fire early", () => {
    const fn = vi.fn();
    afterDelay(MAX + 5_000, fn);
    vi.advanceTimersByTime(MAX);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(4_999);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("cancel() stops it, also after a re-arm", () => {
    const fn = vi.fn();
    const t = afterDelay(MAX + 5_000, fn);
    vi.advanceTimersByTime(MAX + 1);
    t.cancel();
    vi.advanceTimersByTime(10_000);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe("InactivityTimer", () => {
  it("fires after ms of silence", () => {
    const fire = vi.fn();
    new InactivityTimer(1000, fire);
    vi.advanceTimersByTime(1000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it("each touch() pushes the deadline back", () => {
    const fire = vi.fn();
    const timer = new InactivityTimer(1000, fire);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(600);
      timer.touch();
    }
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(999);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it("cancel() stops it", () => {
    const fire = vi.fn();
    const timer = new InactivityTimer(1000, fire);
    vi.advanceTimersByTime(500);
    timer.touch();
    vi.advanceTimersByTime(600); // re-armed for the remainder
    timer.cancel();
    vi.advanceTimersByTime(5_000);
    expect(fire).not.toHaveBeenCalled();
  });
});
