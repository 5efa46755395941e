import { describe, expect, it } from "vitest";
import { readSettings, SettingsError } from "../../../src/app/settings/read-settings.js";

describe("network settings", () => {
  it("leave today's behaviour when unset: no allowlist, no trusted proxy, plain HTTP", () => {
    const settings = readSettings({});
    expect(settings.ipAllowlist).toBeNull();
    expect(settings.trustedProxies).toEqual([]);
    expect(settings.tls).toBeNull();
  });

  it('take GANTRY_IP_ALLOWLIST as "github" or as a list of ranges and addresses', () => {
    expect(readSettings({ GANTRY_IP_ALLOWLIST: "github" }).ipAllowlist).toBe("github");
    expect(readSettings({ GANTRY_IP_ALLOWLIST: " GitHub " }).ipAllowlist).toBe("github");
    expect(readSettings({ GANTRY_IP_ALLOWLIST: "192.30.252.0/22,2a0a:a440::/29 10.0.0.7" }).ipAllowlist).toEqual(["192.30.252.0/22", "2a0a:a440::/29", "10.0.0.7"]);
    expect(readSettings({ GANTRY_TRUSTED_PROXIES: "127.0.0.1, ::1" }).trustedProxies).toEqual(["127.0.0.1", "::1"]);
  });

  it("refuse an entry that is not a range, quoting it and the value", () => {
    expect(() => readSettings({ GANTRY_IP_ALLOWLIST: "192.30.252.0/22,10.0.0.0/33" })).toThrow(
      new SettingsError('GANTRY_IP_ALLOWLIST: "10.0.0.0/33" is not an IP address or CIDR range (such as 192.30.252.0/22 or 2a0a:a440::/29), in "192.30.252.0/22,10.0.0.0/33"'),
    );
    expect(() => readSettings({ GANTRY_TRUSTED_PROXIES: "localhost" })).toThrow('GANTRY_TRUSTED_PROXIES: "localhost" is not an IP address or CIDR range');
    expect(() => readSettings({ GANTRY_IP_ALLOWLIST: "github,10.0.0.0/8" })).toThrow('"github" stands alone');
  });

  it("take TLS_CERT and TLS_KEY together, as absolute paths, and refuse one without the other", () => {
    expect(readSettings({ TLS_CERT: "/etc/tls/cert.pem", TLS_KEY: "key.pem" }).tls).toEqual({ certPath: "/etc/tls/cert.pem", keyPath: `${process.cwd()}/key.pem` });
    expect(() => readSettings({ TLS_CERT: "/etc/tls/cert.pem" })).toThrow(new SettingsError("TLS_CERT is set but TLS_KEY is not: HTTPS needs both PEM files (the certificate and its private key), plain HTTP neither"));
    expect(() => readSettings({ TLS_KEY: "/etc/tls/key.pem" })).toThrow("TLS_KEY is set but TLS_CERT is not");
  });
});
