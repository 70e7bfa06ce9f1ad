/** Reading a run's log file by byte range (logs command, MCP get_logs). */

export function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/** Up to `max` bytes from `offset`; empty when the file does not exist (yet). */
export function readRange(path: string, offset: number, max: number): Uint8Array {
  let f: Deno.FsFile;
  try {
    // Only a regular file: opening a FIFO planted at the path would block the reader.
    if (!Deno.lstatSync(path).isFile) return new Uint8Array(0);
    f = Deno.openSync(path, { read: true });
  } catch {
    return new Uint8Array(0);
  }
  try {
    f.seekSync(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(max);
    let n = 0;
    while (n < max) {
      const got = f.readSync(buf.subarray(n));
      if (got === null || got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    f.close();
  }
}
