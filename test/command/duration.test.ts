import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/command/duration.js";
import { parseSize } from "../../src/command/size.js";
import { InvalidInputError } from "../../src/index.js";

describe("parseDuration", () => {
  it.each<[unknown, number]>([
    [0, 0],
    [250, 250],
    [1.5, 1.5],
    ["250ms", 250],
    ["1.5s", 1500],
    [".5s", 500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    [" 3s ", 3000],
    ["10 ms", 10],
    ["0s", 0],
  ])("%j → %d ms", (value, ms) => {
    expect(parseDuration(value, "timeout")).toBe(ms);
  });

  it.each<unknown>([
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "5 parsecs",
    "10",
    "",
    "1d",
    "1.s",
    "s",
    "1e3ms",
    undefined,
    {},
  ])("rejects %j with InvalidInputError naming the argument", (value) => {
    expect(() => parseDuration(value, "inactivityTimeout", "prog")).toThrow(InvalidInputError);
    try {
      parseDuration(value, "inactivityTimeout", "prog");
    } catch (error) {
      expect((error as InvalidInputError).argument).toBe("inactivityTimeout");
      expect((error as InvalidInputError).program).toBe("prog");
    }
  });
});

describe("parseSize", () => {
  it.each<[unknown, number]>([
    [0, 0],
    [1024, 1024],
    ["1", 1],
    ["100b", 100],
    ["1K", 1024],
    ["1k", 1024],
    ["1KiB", 1024],
    ["1KB", 1024],
    ["1.5M", 1.5 * 1024 * 1024],
    ["64MiB", 64 * 1024 * 1024],
    ["1G", 1024 ** 3],
  ])("%j → %d bytes", (value, bytes) => {
    expect(parseSize(value, "maxBytes")).toBe(bytes);
  });

  it.each<unknown>([-1, 1.5, Number.NaN, "1X", "", "-1K", "K", null, "1.5", "0.5b"])(
    "rejects %j",
    (value) => {
      expect(() => parseSize(value, "maxBytes")).toThrow(InvalidInputError);
    },
  );
});
