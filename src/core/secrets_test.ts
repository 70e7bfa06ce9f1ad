import assert from "node:assert/strict";
import { argvSecrets, configSecrets, isSecretKey, maskArgv, maskCommandString } from "./secrets.ts";

Deno.test("secret-looking keys, but not the *_env names of variables", () => {
  for (const k of ["api_token", "API_TOKEN", "password", "db_passwd", "client_secret", "apikey"]) {
    assert.ok(isSecretKey(k), k);
  }
  for (const k of ["bot_token_env", "webhook_url_env", "source", "timeout_seconds"]) {
    assert.ok(!isSecretKey(k), k);
  }
});

Deno.test("argv credentials: bearer headers, --password/--token flags, mysql -p", () => {
  assert.deepEqual(
    maskArgv([
      "curl",
      "-H",
      "Authorization: Bearer abc.def",
      "--password",
      "pw1",
      "--token=t0k",
      "-v",
    ]),
    ["curl", "-H", "Authorization: Bearer ***", "--password", "***", "--token=***", "-v"],
  );
  assert.deepEqual(maskArgv(["mysql", "-psecret1", "-uroot"]), ["mysql", "-p***", "-uroot"]);
  assert.deepEqual(maskArgv(["ssh", "-p", "2222", "host"]), ["ssh", "-p", "2222", "host"]);
  assert.deepEqual(argvSecrets(["x", "--api-key", "k-1234", "--db-password=zz99"]), [
    "k-1234",
    "zz99",
  ]);
  assert.equal(
    maskCommandString(`curl -H "Authorization: Bearer abcd1234" --token s3cr3t http://x`),
    `curl -H "Authorization: Bearer ***" --token *** http://x`,
  );
});

Deno.test("configSecrets: secret keys at any depth, argv credentials, short values ignored", () => {
  assert.deepEqual(
    configSecrets({
      env: { API_TOKEN: "literal-1", PLAIN: "visible" },
      password: "abc", // too short to mask
      notify: { telegram: { bot_token_env: "TG" } },
      command: ["curl", "--token", "tok-5678"],
    }).sort(),
    ["literal-1", "tok-5678"],
  );
});
