/** Runs ```ts blocks of a docs page as async functions: "processkit" imports bound to the source tree, node: imports loaded dynamically. */
import * as processkit from "../../src/index.js";

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<unknown>;

/** Rewrites import lines into bindings the block can run with. */
export function runnable(code: string): string {
  return code.replace(/^import \{([^}]*)\} from "([^"]+)";$/gm, (_, names: string, from: string) =>
    from === "processkit" ? `const {${names}} = __pk;` : `const {${names}} = await __import("${from}");`,
  );
}

/** Runs one block; returns what it logged (one array of arguments per console.log call). */
export async function runBlock(code: string, line: number): Promise<unknown[][]> {
  const logged: unknown[][] = [];
  const console = { log: (...args: unknown[]) => logged.push(args) };
  const fn = new AsyncFunction("__pk", "__import", "console", runnable(code));
  try {
    await fn(processkit, (specifier: string) => import(specifier), console);
  } catch (error) {
    throw new Error(`docs block at line ${line} threw: ${String(error)}\nlogged: ${JSON.stringify(logged)}`);
  }
  return logged;
}
