// Signed terminal calls, exactly like merchants/signing.py:
//   hex HMAC-SHA256(secret, "METHOD\nPATH\nTIMESTAMP\nNONCE\nSHA256HEX(body)").
// The credentials live in this browser's localStorage, one entry per terminal screen.

const encoder = new TextEncoder();

export function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomHex(bytes) {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function credentialStore(storageKey) {
  return {
    read() {
      try {
        return JSON.parse(localStorage.getItem(storageKey) || "null");
      } catch {
        return null;
      }
    },
    save(creds) {
      localStorage.setItem(storageKey, JSON.stringify(creds));
    },
    forget() {
      localStorage.removeItem(storageKey);
    },
  };
}

export async function signedFetch(creds, method, path, payload) {
  if (!creds) throw new Error("not paired");
  const body = payload === undefined ? "" : JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomHex(16);
  const bodyHash = hex(await crypto.subtle.digest("SHA-256", encoder.encode(body)));
  const key = await crypto.subtle.importKey(
    "raw", encoder.encode(creds.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  const message = [method, path, timestamp, nonce, bodyHash].join("\n");
  const signature = hex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  const headers = {
    "X-Terminal-Id": creds.key_id, "X-Timestamp": timestamp, "X-Nonce": nonce,
    "X-Signature": signature,
  };
  if (body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body || undefined, credentials: "omit" });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}
