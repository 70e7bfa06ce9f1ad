/**
 * What docket treats as a secret in a task's config, decided once: `capabilities`/`describe`
 * mask exactly these values, and a run masks the same values out of its log, events, result,
 * hook output and stored overrides. Secrets are (1) the value of any key that looks like one
 * (`token`, `password`, `api_key`, … at any depth, so `env: { API_TOKEN: … }` and `--set
 * password=…` too; `*_env` keys name variables and are not secrets) and (2) credentials in a
 * command line: the value after `Authorization: Bearer|Basic|Token`, after a `--password`-,
 * `--token`-, `--secret`-, `--api-key`-style flag (`--flag value` or `--flag=value`),
 * mysql's `-p<password>`, the password of `-u user:password` (curl, wget), the value of a
 * `NAME=value` word whose NAME looks like a secret key (`env PGPASSWORD=…`), of a header whose
 * name says it is one (`X-Api-Key: …`, `Cookie: …`) and of a query parameter
 * (`?access_token=…`), and the password of a URL (`https://user:password@host`).
 */

export const MASK = "***";

const SECRET_KEY = /token|secret|password|passwd|webhook_url$|api_key|apikey|credential/i;

/** Whether a config key holds a secret value (and not the name of a variable that does). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !/_env$/i.test(key);
}

const SECRET_FLAG =
  /^--?(?:[a-z0-9]+[-_])*(?:password|passwd|pass|pwd|token|secret|api[-_]?key|auth|access[-_]key|credentials?)$/i;
const AUTH_HEADER = /^(\s*(?:proxy-)?authorization:\s*(?:bearer|basic|token|digest)\s+)(\S.*)$/i;
const AUTH_INLINE = /(\b(?:proxy-)?authorization:\s*(?:bearer|basic|token|digest)\s+)([^\s'"]+)/gi;
const MYSQLISH = /(?:^|\/)(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)$/;
/** `NAME=value` (an `env` prefix, a `--build-arg`): a secret when NAME looks like one. */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s;
/** A header whose name says it carries a credential: `X-Api-Key: …`, `Cookie: …`. */
const SECRET_HEADER =
  /^\s*((?:[a-z0-9]+-)*(?:api-?key|token|secret|password|auth|cookie|session)(?:-[a-z0-9]+)*):\s*(\S.*)$/i;
/** A query parameter holding a credential: `?access_token=…`, `&api_key=…`. */
const SECRET_QUERY =
  /[?&](?:[a-z0-9]+[-_])*(?:token|secret|password|passwd|api[-_]?key|apikey|key|sig|signature|auth)=([^&\s#'"]+)/gi;
/** The password of a URL's userinfo: `https://user:password@host`. */
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:([^\s/?#@]+)@/gi;
/** curl/wget-style `-u user:password` (`--user`, `--proxy-user`, `-uuser:pw`). */
const USER_FLAG = /^(?:-u|--user|--proxy-user|-U)$/;
const USER_PASS = /^[^:\s]*:(.+)$/s;

/** Config keys that hold a command line (argv array or a string split like a shell). */
export const ARGV_KEYS = new Set(["command", "args", "dry_run_command", "dry_run_args"]);

/** The credential values in one argv (see the module comment). */
export function argvSecrets(argv: string[], program = argv[0] ?? ""): string[] {
  const out: string[] = [];
  const mysql = MYSQLISH.test(program);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const header = AUTH_HEADER.exec(a);
    if (header) {
      out.push(header[2]!);
      continue;
    }
    for (const m of a.matchAll(AUTH_INLINE)) out.push(m[2]!);
    for (const m of a.matchAll(SECRET_QUERY)) out.push(m[1]!);
    for (const m of a.matchAll(URL_PASSWORD)) out.push(m[1]!);
    const named = SECRET_HEADER.exec(a);
    if (named) {
      out.push(named[2]!);
      continue;
    }
    const assign = ASSIGNMENT.exec(a);
    if (assign && isSecretKey(assign[1]!)) {
      out.push(assign[2]!);
      continue;
    }
    if (USER_FLAG.test(a) && i + 1 < argv.length) {
      const pw = USER_PASS.exec(argv[++i]!);
      if (pw) out.push(pw[1]!);
      continue;
    }
    if (/^-u[^:\s]*:./.test(a)) {
      out.push(a.slice(a.indexOf(":") + 1));
      continue;
    }
    const eq = a.indexOf("=");
    if (a.startsWith("-") && eq > 0 && SECRET_FLAG.test(a.slice(0, eq))) {
      if (a.slice(eq + 1)) out.push(a.slice(eq + 1));
    } else if (SECRET_FLAG.test(a) && i + 1 < argv.length) {
      out.push(argv[++i]!);
    } else if (mysql && /^-p./.test(a)) out.push(a.slice(2));
  }
  return out.filter((s) => s.length > 0);
}

/** Replaces each credential in an argv element with `***` (flag and header names kept). */
export function maskArgv(argv: string[], program = argv[0] ?? ""): string[] {
  const secrets = new Set(argvSecrets(argv, program));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf("=");
    if (AUTH_HEADER.test(a)) out.push(a.replace(AUTH_HEADER, `$1${MASK}`));
    else if (a.startsWith("-") && eq > 0 && SECRET_FLAG.test(a.slice(0, eq))) {
      out.push(`${a.slice(0, eq + 1)}${MASK}`);
    } else if (SECRET_FLAG.test(a) && i + 1 < argv.length) {
      out.push(a, MASK);
      i++;
    } else if (MYSQLISH.test(program) && /^-p./.test(a)) out.push(`-p${MASK}`);
    else {
      let s = a.replace(AUTH_INLINE, `$1${MASK}`);
      for (const v of secrets) if (v.length >= 4) s = s.replaceAll(v, MASK);
      out.push(s);
    }
  }
  return out;
}

/** Words of a command string as a shell splits them, for finding credentials (approximate). */
function roughWords(s: string): string[] {
  return [...s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/** Masks credentials in a command string (`curl -H 'Authorization: Bearer x' --token y`). */
export function maskCommandString(s: string): string {
  let out = s.replace(AUTH_INLINE, `$1${MASK}`);
  for (const v of argvSecrets(roughWords(s))) if (v.length >= 4) out = out.replaceAll(v, MASK);
  return out;
}

/** Every secret value in a config section (strings, length ≥ 4), per the rules above. */
export function configSecrets(v: unknown, key = "", program = ""): string[] {
  const out: string[] = [];
  const walk = (x: unknown, k: string) => {
    if (ARGV_KEYS.has(k)) {
      if (Array.isArray(x)) out.push(...argvSecrets(x.map(String), program || String(x[0] ?? "")));
      else if (typeof x === "string") out.push(...argvSecrets(roughWords(x)));
      return;
    }
    if (Array.isArray(x)) x.forEach((e) => walk(e, k));
    else if (x && typeof x === "object") {
      for (const [kk, xx] of Object.entries(x)) walk(xx, kk);
    } else if (typeof x === "string" && isSecretKey(k)) out.push(x);
    else if ((typeof x === "number") && isSecretKey(k)) out.push(String(x));
  };
  walk(v, key);
  return [...new Set(out.map((s) => s.trim()).filter((s) => s.length >= 4))];
}

/** The program a section runs (for mysql-style `-p`), from `command`. */
export function programOf(section: Record<string, unknown>): string {
  const c = section.command;
  if (Array.isArray(c)) return String(c[0] ?? "");
  return typeof c === "string" ? roughWords(c)[0] ?? "" : "";
}
