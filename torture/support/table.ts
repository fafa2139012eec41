/** Every torture part ends with a plain-text table; a failure adds the seed that replays it. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const text = [
    `\n${title}`,
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...cells.slice(1).map(line),
  ].join("\n");
  console.log(text);
  return text;
}
