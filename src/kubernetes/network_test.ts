import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { egressPlan, parseNetEntry } from "./network.ts";

Deno.test("parseNetEntry reads host, host:port, [v6]:port and bare IPv6 as Deno does", () => {
  assertEquals(parseNetEntry("api.example.com:443"), {
    entry: "api.example.com:443",
    host: "api.example.com",
    port: 443,
    ip: 0,
  });
  assertEquals(parseNetEntry("10.0.0.5").ip, 4);
  assertEquals(parseNetEntry("[2001:db8::1]:8443"), {
    entry: "[2001:db8::1]:8443",
    host: "2001:db8::1",
    port: 8443,
    ip: 6,
  });
  assertEquals(parseNetEntry("2001:db8::1").ip, 6);
  throws(() => parseNetEntry("host:0"), /port/);
  throws(() => parseNetEntry("host:http"), /port/);
  throws(() => parseNetEntry("bad host\n# injected"), /neither an IP address nor a host name/);
});

Deno.test("network: false denies all egress and ingress; true allows all egress", () => {
  const deny = egressPlan("t", false, { cilium: false });
  assertEquals(deny.policy.egress, []);
  assertEquals(deny.policy.ingress, []);
  assertEquals(deny.policy.policyTypes, ["Ingress", "Egress"]);
  assertEquals(egressPlan("t", undefined, { cilium: false }).policy.egress, []);
  assertEquals(egressPlan("t", true, { cilium: false }).policy.egress, [{}]);
});

Deno.test("an allow-list becomes ipBlocks for literal IPs, DNS only when a name needs it", () => {
  const ips = egressPlan("t", ["10.0.0.5:5432", "[2001:db8::1]"], { cilium: false });
  assertEquals(ips.policy.egress, [
    { to: [{ ipBlock: { cidr: "10.0.0.5/32" } }], ports: [{ protocol: "TCP", port: 5432 }] },
    { to: [{ ipBlock: { cidr: "2001:db8::1/128" } }] },
  ]);
  assertEquals(ips.unexpressed, []);
  const named = egressPlan("t", ["api.example.com:443", "localhost:8080"], { cilium: false });
  assertEquals(named.unexpressed, ["api.example.com:443"]);
  assertEquals(named.loopback, ["localhost:8080"]);
  const egress = named.policy.egress as { ports: { port: number }[] }[];
  assertEquals(egress.length, 1, "only the DNS rule: the host name cannot be allowed");
  assertEquals(egress[0]!.ports.map((p) => p.port), [53, 53]);
  assertEquals(named.cilium, undefined);
});

Deno.test("--cilium allows host names by toFQDNs and proxies DNS only for those names", () => {
  const plan = egressPlan("t", ["api.example.com:443", "10.0.0.5"], { cilium: true });
  const egress = (plan.cilium as { egress: Record<string, unknown>[] }).egress;
  assertEquals(egress[1], {
    toFQDNs: [{ matchName: "api.example.com" }],
    toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
  });
  assertEquals(
    JSON.stringify(egress[0]).includes('"dns":[{"matchName":"api.example.com"}]'),
    true,
  );
});
