import { describe, expect, it } from "vitest";
import { readSandboxSettings } from "../../../src/app/settings/read-sandbox-settings.js";
import { SettingsError } from "../../../src/app/settings/settings-error.js";

const inputs = { dataDir: "/srv/gantry/data", secretsFile: "/etc/gantry/secrets.yml", cwd: "/srv/gantry" };
const read = (env: NodeJS.ProcessEnv) => readSandboxSettings({ HOME: "/home/gantry-user", ...env }, inputs);

describe("readSandboxSettings", () => {
  it("defaults to bwrap, binding nothing extra and hiding gantry's own secret holders and the server user's home", () => {
    expect(read({})).toEqual({ mode: "bwrap", bind: [], hide: ["/srv/gantry/data", "/srv/gantry", "/etc/gantry/secrets.yml", "/home/gantry-user"] });
  });

  it("reads the mode whatever its case and spaces, and refuses anything else, quoting it", () => {
    expect(read({ GANTRY_SANDBOX: " OFF " }).mode).toBe("off");
    expect(read({ GANTRY_SANDBOX: "bwrap" }).mode).toBe("bwrap");
    expect(() => read({ GANTRY_SANDBOX: "docker" })).toThrow(new SettingsError('GANTRY_SANDBOX: "docker" is not a sandbox (use "bwrap", the default, or "off")'));
  });

  it("hides the App key's directory (PRIVATE_KEY_PATH, relative to the working directory) and the TLS key", () => {
    const settings = read({ PRIVATE_KEY_PATH: "keys/app.pem", TLS_KEY: "/etc/tls/server.key" });
    expect(settings.hide).toEqual(expect.arrayContaining(["/srv/gantry/keys", "/etc/tls/server.key"]));
  });

  it("reads colon-separated absolute paths for BIND and HIDE, normalised and without duplicates", () => {
    const settings = read({ GANTRY_SANDBOX_BIND: "/nix/store: /srv/tools/ ", GANTRY_SANDBOX_HIDE: "/etc/redis:/srv/gantry:/etc/redis/" });
    expect(settings.bind).toEqual(["/nix/store", "/srv/tools"]);
    expect(settings.hide).toEqual(["/srv/gantry/data", "/srv/gantry", "/etc/gantry/secrets.yml", "/home/gantry-user", "/etc/redis"]);
  });

  it("refuses a relative path, naming the setting and the entry", () => {
    expect(() => read({ GANTRY_SANDBOX_BIND: "/ok:tools" })).toThrow('GANTRY_SANDBOX_BIND: "tools" is not an absolute path');
    expect(() => read({ GANTRY_SANDBOX_HIDE: "./x" })).toThrow('GANTRY_SANDBOX_HIDE: "./x" is not an absolute path');
  });

  it("refuses a bind inside what holds gantry's secrets (the data dir, its working directory, the key's directory), not one beside it", () => {
    expect(() => read({ GANTRY_SANDBOX_BIND: "/srv/gantry/data/workspaces" })).toThrow(/GANTRY_SANDBOX_BIND: "\/srv\/gantry\/data\/workspaces" is inside \/srv\/gantry\/data/);
    expect(() => read({ GANTRY_SANDBOX_BIND: "/opt/keys", PRIVATE_KEY_PATH: "/opt/keys/app.pem" })).toThrow(/inside \/opt\/keys/);
    expect(read({ GANTRY_SANDBOX_BIND: "/srv/gantry-tools" }).bind).toEqual(["/srv/gantry-tools"]);
  });
});
