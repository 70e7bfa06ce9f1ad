/** `docket`: `deno run -A main.ts <args>`. */
import { main } from "./src/cli/main.ts";

Deno.exit(await main(Deno.args));
