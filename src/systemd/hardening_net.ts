// The network envelope of a unit: who in the unit needs the network, and to which addresses.
import type { Directive, HardeningInput, HardeningTask } from "./hardening_types.ts";

/** Why the unit's processes need the network; empty when nothing does. */
export function networkNeeds(t: HardeningTask): string[] {
  const why: string[] = [];
  const n = t.grants.network;
  if (n === true) why.push("the task declares network: true");
  if (Array.isArray(n) && n.length > 0) why.push(`the task declares network: [${n.join(", ")}]`);
  // A command task's network flag is advisory in Deno's sandbox: only `false` is a promise.
  if (t.source === "command" && n === undefined) {
    why.push("a command task that does not declare network: false");
  }
  const notify = t.config.notify as Record<string, unknown> | undefined;
  for (const service of ["discord", "telegram"]) {
    if (notify?.[service] !== undefined) why.push(`its ${service} notification`);
  }
  // Hooks are the operator's shell commands: docket cannot know what they reach, so it
  // assumes the network (a hook that needs none works either way).
  const hooks = ["on_success", "on_failure", "on_complete"].filter((k) => t.config[k]);
  if (hooks.length) why.push(`its hooks (${hooks.join(", ")}) may use the network`);
  return why;
}

/** `1.2.3.4[:port]`, `[::1][:port]` or `localhost[:port]` → what IPAddressAllow= takes. */
export function literalAddress(hostPort: string): string | undefined {
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/.exec(hostPort);
  if (v6) return v6[1];
  const [host, port, extra] = hostPort.split(":");
  if (extra !== undefined || (port !== undefined && !/^\d{1,5}$/.test(port))) return undefined;
  if (host === "localhost") return "localhost";
  const octets = host?.split(".") ?? [];
  const ok = octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) < 256);
  return ok ? host : undefined;
}

export function networkDirectives(t: HardeningTask, i: HardeningInput): Directive[] {
  const why = networkNeeds(t);
  const system = i.scope === "system";
  if (why.length === 0) {
    return [
      {
        directive: "PrivateNetwork",
        value: "yes",
        reason: "neither the task nor its notifications or hooks need the network",
      },
      {
        directive: "RestrictAddressFamilies",
        value: "AF_UNIX AF_NETLINK",
        reason: "local sockets only; AF_NETLINK because bubblewrap brings up the jail's " +
          "loopback over netlink (measured: RTM_NEWADDR)",
      },
      ...(system
        ? [{
          directive: "IPAddressDeny",
          value: "any",
          reason: "no IP traffic at all, even if a network namespace were shared",
        }]
        : []),
    ];
  }
  const out: Directive[] = [{
    directive: "RestrictAddressFamilies",
    value: "AF_UNIX AF_NETLINK AF_INET AF_INET6",
    reason: `IP sockets for ${why.join("; ")}`,
  }];
  const n = t.grants.network;
  // Only a task that names literal addresses, and nothing else in the unit needing the
  // network, can be held to them: names (discord.com, a hook's curl) resolve to any address.
  const literal = Array.isArray(n) && why.length === 1 ? n.map(literalAddress) : [];
  if (system && literal.length > 0 && literal.every((a) => a !== undefined)) {
    out.push(
      {
        directive: "IPAddressAllow",
        value: [...new Set(literal)].join(" "),
        reason: "the literal addresses the task declares",
      },
      { directive: "IPAddressDeny", value: "any", reason: "every other address" },
    );
  }
  return out;
}
