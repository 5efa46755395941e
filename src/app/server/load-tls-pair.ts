import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { SettingsError, type TlsFiles } from "../settings/read-settings.js";

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  /** For the log: which certificate this is. */
  description: string;
}

/**
 * Reads and checks TLS_CERT and TLS_KEY as node will use them: a certificate (chain), a private key that is
 * not encrypted, and the two belonging together. Each failure names the setting and the file; never the key.
 */
export async function loadTlsPair(files: TlsFiles): Promise<TlsPair> {
  const cert = await readPem("TLS_CERT", files.certPath);
  const key = await readPem("TLS_KEY", files.keyPath);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new SettingsError(`TLS_CERT: "${files.certPath}" is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new SettingsError(`TLS_KEY: "${files.keyPath}" is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new SettingsError(`TLS_CERT and TLS_KEY do not belong together: "${files.certPath}" is not the certificate of the key in "${files.keyPath}"`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new SettingsError(`TLS_CERT "${files.certPath}" with TLS_KEY "${files.keyPath}": ${(error as Error).message}`);
  }
  return { cert, key, description: `serial ${certificate.serialNumber}, valid until ${certificate.validTo}` };
}

async function readPem(name: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new SettingsError(`${name}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
