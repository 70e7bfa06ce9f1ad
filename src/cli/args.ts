/**
 * A small argv parser with the behaviour and error messages of `node:util` `parseArgs`
 * (`strict: true`, `allowPositionals: true`), for the option shapes our command table uses.
 * Importing `node:util` costs ~6 ms on every call (measured): this costs nothing.
 * `args_test.ts` checks it against `parseArgs` itself.
 */

export interface ArgOption {
  type: "boolean" | "string";
  short?: string;
  multiple?: boolean;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[]>;
  positionals: string[];
}

export class ArgsError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = "ArgsError";
  }
}

function unknown(raw: string): ArgsError {
  return new ArgsError(
    `Unknown option '${raw}'. To specify a positional argument starting with a '-', place it ` +
      `at the end of the command after '--', as in '-- "${raw}"`,
    "ERR_PARSE_ARGS_UNKNOWN_OPTION",
  );
}

export function parseArgv(args: string[], options: Record<string, ArgOption>): ParsedArgs {
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const longOf = (short: string) =>
    Object.keys(options).find((k) => options[k]!.short === short) ?? short;
  const typeOf = (name: string) => Object.hasOwn(options, name) ? options[name]!.type : undefined;

  const store = (name: string, raw: string, value: string | undefined, inline: boolean) => {
    const o = Object.hasOwn(options, name) ? options[name]! : undefined;
    if (!o) throw unknown(raw);
    const shortAndLong = `${o.short ? `-${o.short}, ` : ""}--${name}`;
    if (o.type === "string" && typeof value !== "string") {
      throw new ArgsError(
        `Option '${shortAndLong} <value>' argument missing`,
        "ERR_PARSE_ARGS_INVALID_OPTION_VALUE",
      );
    }
    if (o.type === "boolean" && value !== undefined) {
      throw new ArgsError(
        `Option '${shortAndLong}' does not take an argument`,
        "ERR_PARSE_ARGS_INVALID_OPTION_VALUE",
      );
    }
    // A negative number is a value (the command then says what range it takes).
    if (
      !inline && value !== undefined && value.length > 1 && value[0] === "-" &&
      !/^-\d+(\.\d+)?$/.test(value)
    ) {
      const example = raw.startsWith("--") ? `'${raw}=-XYZ'` : `'--${name}=-XYZ' or '${raw}-XYZ'`;
      throw new ArgsError(
        `Option '${raw}' argument is ambiguous.\n` +
          `Did you forget to specify the option argument for '${raw}'?\n` +
          `To specify an option argument starting with a dash use ${example}.`,
        "ERR_PARSE_ARGS_INVALID_OPTION_VALUE",
      );
    }
    const v = value ?? true;
    if (o.multiple) ((values[name] ??= []) as (string | boolean)[]).push(v);
    else values[name] = v;
  };

  const rest = [...args];
  while (rest.length) {
    const arg = rest.shift()!;
    if (arg === "--") {
      positionals.push(...rest);
      break;
    }
    if (arg.length === 2 && arg[0] === "-" && arg[1] !== "-") {
      const name = longOf(arg[1]!);
      const value = typeOf(name) === "string" && rest.length ? rest.shift() : undefined;
      store(name, arg, value, false);
    } else if (arg.length > 2 && arg[0] === "-" && arg[1] !== "-") {
      if (typeOf(longOf(arg[1]!)) === "string") {
        store(longOf(arg[1]!), `-${arg[1]}`, arg.slice(2), true);
        continue;
      }
      // A group of short flags (-fv): expand; a string option takes the rest of the group.
      const expanded: string[] = [];
      for (let i = 1; i < arg.length; i++) {
        if (typeOf(longOf(arg[i]!)) !== "string" || i === arg.length - 1) {
          expanded.push(`-${arg[i]}`);
        } else {
          expanded.push(`-${arg.slice(i)}`); // -fFILE: the string option keeps its value

          break;
        }
      }
      rest.unshift(...expanded);
    } else if (arg.length > 2 && arg.startsWith("--")) {
      const eq = arg.indexOf("=", 3);
      if (eq === -1) {
        const name = arg.slice(2);
        const value = typeOf(name) === "string" && rest.length ? rest.shift() : undefined;
        store(name, arg, value, false);
      } else {
        store(arg.slice(2, eq), arg.slice(0, eq), arg.slice(eq + 1), true);
      }
    } else positionals.push(arg);
  }
  return { values, positionals };
}

/** The parser options of a command, from its table entry. */
export function argOptions(def: {
  options: Record<string, { type: "boolean" | "string"; short?: string; multiple?: boolean }>;
}): Record<string, ArgOption> {
  const options: Record<string, ArgOption> = {};
  for (const [k, o] of Object.entries(def.options)) {
    options[k] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  return options;
}
