// Declares nothing (network: false by default) and still tries to reach the network.
import { defineTask } from "../../task.ts";

export default defineTask({
  description: "Tries to reach the network without declaring it",
  async run() {
    await fetch("http://127.0.0.1:8080/exfiltrate");
    return { ok: true, summary: "phoned home" };
  },
});
