/**
 * POSIX path helpers. Importing node:path costs ~10 ms of Node-compat start-up per call
 * (measured), which hot commands cannot afford.
 */
export function normalize(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (!seg || seg === ".") continue;
    if (seg === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!abs) out.push("..");
    } else out.push(seg);
  }
  const s = out.join("/");
  return abs ? "/" + s : s || ".";
}

export function join(...parts: string[]): string {
  return normalize(parts.filter((x) => x).join("/"));
}

export function resolve(...parts: string[]): string {
  let p = "";
  for (let i = parts.length - 1; i >= 0 && !p.startsWith("/"); i--) {
    p = p ? `${parts[i]}/${p}` : parts[i]!;
  }
  if (!p.startsWith("/")) p = `${Deno.cwd()}/${p}`;
  return normalize(p);
}

export function dirname(p: string): string {
  const n = normalize(p);
  const i = n.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : n.slice(0, i);
}

export function basename(p: string, ext?: string): string {
  const b = normalize(p).split("/").pop() ?? "";
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
}

export function fromFileUrl(u: string | URL): string {
  const url = typeof u === "string" ? new URL(u) : u;
  return decodeURIComponent(url.pathname);
}

export function toFileUrl(p: string): URL {
  const url = new URL("file:///");
  url.pathname = p.split("/").map((s) => encodeURIComponent(s)).join("/").replace(/^\/*/, "/");
  return url;
}
