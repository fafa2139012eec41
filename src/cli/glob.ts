/**
 * Glob patterns for `--ignore`: `*` (any run of characters but "/"), `**` (anything, "/"
 * included), `?` (one character but "/"); everything else literal. A pattern matches a path
 * relative to its watch root when it matches the whole path, its base name, or any of its
 * leading directories (so `dist` ignores `dist/app.js`).
 */

export function globPattern(glob: string): RegExp {
  let body = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      body += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (c === "*") body += "[^/]*";
    else if (c === "?") body += "[^/]";
    else body += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${body}$`);
}

/** Does any pattern match `relative` (a "/"-separated path), its base name or a leading directory? */
export function matchesAny(patterns: readonly RegExp[], relative: string): boolean {
  const parts = relative.split("/").filter((p) => p !== "");
  const candidates = [relative, parts[parts.length - 1] ?? ""];
  for (let i = 1; i < parts.length; i++) candidates.push(parts.slice(0, i).join("/"), parts[i - 1] as string);
  return patterns.some((pattern) => candidates.some((c) => pattern.test(c)));
}
