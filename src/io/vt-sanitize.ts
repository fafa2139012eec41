/**
 * `sanitizeVt()`: strips ANSI/VT escape sequences (colours, cursor moves, OSC titles and
 * hyperlinks) from decoded text, so coloured or progress-bar output reads as plain lines.
 * Applied to lines and captured text only, never to raw byte streams.
 *
 * Covered: CSI (`ESC [` … final byte, and the 8-bit CSI 0x9B), OSC (`ESC ]` … BEL or ST),
 * DCS/SOS/PM/APC strings (`ESC P|X|^|_` … ST), and two-byte escapes (`ESC` + one byte in
 * 0x20–0x7E, e.g. `ESC 7`, `ESC (B` is ESC + intermediate + final).
 */

const VT =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[ -/]*[0-~]?/g;

/** `text` without its escape sequences (a string without ESC or 0x9B is returned as is, cheaply). */
export function stripVt(text: string): string {
  if (text.indexOf("\u001b") === -1 && text.indexOf("\u009b") === -1) return text;
  return text.replace(VT, "");
}
