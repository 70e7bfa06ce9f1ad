import assert from "node:assert/strict";
import { classifyDenial, FrameDemuxer, framePrefix } from "./protocol.ts";

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
