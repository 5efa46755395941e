import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

export interface SelfSigned {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  /** SHA-256 fingerprint, as `X509Certificate#fingerprint256` and `getPeerCertificate().fingerprint256` give it. */
  fingerprint: string;
}

/** A fresh key and a self-signed certificate for 127.0.0.1 in `dir`, made by openssl (P-256: quick). */
export async function createSelfSignedCert(dir: string, serial: number): Promise<SelfSigned> {
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  await promisify(execFile)("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=gantry-test",
    "-addext", "subjectAltName=IP:127.0.0.1", "-set_serial", String(serial),
  ]);
  const cert = await readFile(certPath, "utf8");
  return { certPath, keyPath, cert, key: await readFile(keyPath, "utf8"), fingerprint: new X509Certificate(cert).fingerprint256 };
}
