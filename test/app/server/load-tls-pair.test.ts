import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTlsPair } from "../../../src/app/server/load-tls-pair.js";
import { SettingsError } from "../../../src/app/settings/read-settings.js";
import { createSelfSignedCert, type SelfSigned } from "../../helpers/self-signed-cert.js";

let dir: string;
let first: SelfSigned;
let second: SelfSigned;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-tls-pair-"));
  first = await createSelfSignedCert(join(dir, "first"), 0x51);
  second = await createSelfSignedCert(join(dir, "second"), 0x52);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("TLS_CERT and TLS_KEY at start-up", () => {
  it("loads a certificate and its key, describing the certificate", async () => {
    const pair = await loadTlsPair({ certPath: first.certPath, keyPath: first.keyPath });
    expect(pair.cert.toString()).toBe(first.cert);
    expect(pair.description).toMatch(/^serial 51, valid until /);
  });

  it("names the setting and the file that cannot be read, is not PEM, or does not belong to the other", async () => {
    const missing = join(dir, "missing.pem");
    await expect(loadTlsPair({ certPath: missing, keyPath: first.keyPath })).rejects.toThrow(new SettingsError(`TLS_CERT: cannot read "${missing}" (ENOENT)`));
    await expect(loadTlsPair({ certPath: first.certPath, keyPath: missing })).rejects.toThrow(`TLS_KEY: cannot read "${missing}" (ENOENT)`);
    const garbage = join(dir, "garbage.pem");
    await writeFile(garbage, "not a pem file\n");
    await expect(loadTlsPair({ certPath: garbage, keyPath: first.keyPath })).rejects.toThrow(`TLS_CERT: "${garbage}" is not a PEM certificate`);
    // the files given the wrong way round
    await expect(loadTlsPair({ certPath: first.certPath, keyPath: first.certPath })).rejects.toThrow(`TLS_KEY: "${first.certPath}" is not an unencrypted PEM private key`);
    const mismatch = loadTlsPair({ certPath: first.certPath, keyPath: second.keyPath });
    await expect(mismatch).rejects.toBeInstanceOf(SettingsError);
    await expect(mismatch).rejects.toThrow(`TLS_CERT and TLS_KEY do not belong together: "${first.certPath}" is not the certificate of the key in "${second.keyPath}"`);
  });

  it("never puts the key in a message", async () => {
    const error = (await loadTlsPair({ certPath: first.certPath, keyPath: second.keyPath }).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain(second.key.split("\n")[1]!);
  });
});
