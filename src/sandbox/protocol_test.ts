import assert from "node:assert/strict";
import {
  classifyDenial,
  FrameDemuxer,
  framePrefix,
  MAX_EVENT_FRAME,
  MAX_RESULT_FRAME,
} from "./protocol.ts";

function demux(chunks: string[]) {
  const log: string[] = [];
  const frames: string[] = [];
  const d = new TextDecoder();
  const m = new FrameDemuxer(
    "n0nce",
    (b) => log.push(d.decode(b)),
    (k, j) => frames.push(`${k}:${j}`),
  );
  for (const c of chunks) m.push(new TextEncoder().encode(c));
  m.end();
  return { log: log.join(""), frames };
}

Deno.test("FrameDemuxer: frames split across chunks and mid-line", () => {
  const p = framePrefix("n0nce");
  const whole = `hello${p}E {"a":1}\nworld\n${p}R {"ok":true}\n`;
  for (let cut = 0; cut <= whole.length; cut++) {
    const r = demux([whole.slice(0, cut), whole.slice(cut)]);
    assert.equal(r.log, "helloworld\n", `cut at ${cut}`);
    assert.deepEqual(r.frames, ['E:{"a":1}', 'R:{"ok":true}']);
  }
});

Deno.test("FrameDemuxer: a frame with the wrong nonce is log, not protocol", () => {
  const fake = `${framePrefix("forged")}R {"ok":true}\n`;
  const r = demux([fake]);
  assert.equal(r.log, fake);
  assert.deepEqual(r.frames, []);
});

/** Feeds `whole` in `size`-byte chunks; returns log text, frames (lengths only) and oversizes. */
function feed(whole: Uint8Array, size: number) {
  const log: string[] = [];
  const frames: [string, number][] = [];
  const over: [string, number][] = [];
  const d = new TextDecoder();
  const m = new FrameDemuxer(
    "n0nce",
    (b) => log.push(d.decode(b)),
    (k, j) => frames.push([k, j.length]),
    (k, n) => over.push([k, n]),
  );
  for (let off = 0; off < whole.length; off += size) m.push(whole.subarray(off, off + size));
  m.end();
  return { log: log.join(""), frames, over };
}

function framed(kind: string, jsonLength: number): string {
  return `${framePrefix("n0nce")}${kind} "${"x".repeat(jsonLength - 2)}"\n`;
}

Deno.test("FrameDemuxer: a big frame in small chunks is joined once (linear, not quadratic)", () => {
  const size = MAX_RESULT_FRAME - 16;
  const whole = new TextEncoder().encode(`a${framed("R", size)}b\n`);
  const t0 = performance.now();
  const r = feed(whole, 1024); // ~4,000 chunks: re-copying the buffer per chunk took seconds
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
  assert.deepEqual(r.frames, [["R", size]]);
  assert.deepEqual(r.over, []);
  assert.equal(r.log, "ab\n");
});

Deno.test("FrameDemuxer: a result frame over 4 MiB is dropped and reported, not buffered", () => {
  const p = framePrefix("n0nce");
  const big = framed("R", MAX_RESULT_FRAME + 10);
  const whole = new TextEncoder().encode(`${p}E {"a":1}\n${big}tail\n${p}R {"ok":true}\n`);
  for (const size of [331, 65536, whole.length]) {
    const r = feed(whole, size);
    assert.deepEqual(r.frames, [["E", 7], ["R", 11]], `chunks of ${size}`);
    assert.deepEqual(r.over, [["R", MAX_RESULT_FRAME + 12]], `chunks of ${size}`);
    assert.equal(r.log, "tail\n");
  }
});

Deno.test("FrameDemuxer: an event frame over 1 MiB is dropped; one just under it is kept", () => {
  const whole = new TextEncoder().encode(
    framed("E", MAX_EVENT_FRAME + 1) + framed("E", MAX_EVENT_FRAME - 2) + "end\n",
  );
  const r = feed(whole, 4096);
  assert.deepEqual(r.over, [["E", MAX_EVENT_FRAME + 3]]);
  assert.deepEqual(r.frames, [["E", MAX_EVENT_FRAME - 2]]);
  assert.equal(r.log, "end\n");
});

Deno.test("FrameDemuxer: an unterminated frame at end of stream is dropped", () => {
  const r = demux([`x${framePrefix("n0nce")}R {"ok":`]);
  assert.equal(r.log, "x");
  assert.deepEqual(r.frames, []);
});

Deno.test("classifyDenial reads Deno's messages", () => {
  assert.deepEqual(
    classifyDenial(
      'NotCapable: Requires net access to "127.0.0.1:8080", run again with the --allow-net flag',
    ),
    { permission: "net", target: "127.0.0.1:8080" },
  );
  assert.deepEqual(classifyDenial("Requires env access, run again"), { permission: "env" });
  assert.equal(classifyDenial("plain failure"), undefined);
});
