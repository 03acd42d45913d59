import { Secret, TOTP } from "otpauth";
import { normalRecoveryCode, newRecoveryCodes, RecoveryCodeHasher } from "../../src/auth/factors/recoveryCodes";
import { SecretSealer } from "../../src/auth/factors/secretSealing";
import { newTotpSecret, totpCode, totpKeyUri, totpTimeStep } from "../../src/auth/factors/totp";

// RFC 6238, Appendix B: the seeds are the ASCII digits repeated to each hash's key length; the
// codes have 8 digits. [time in seconds, SHA-1, SHA-256, SHA-512].
const SEEDS = {
  SHA1: "12345678901234567890",
  SHA256: "12345678901234567890123456789012",
  SHA512: "1234567890123456789012345678901234567890123456789012345678901234",
};
const VECTORS: Array<[number, string, string, string]> = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("TOTP (RFC 6238)", () => {
  test.each(VECTORS)("the library gives Appendix B's codes at T = %i s", (seconds, sha1, sha256, sha512) => {
    const at = (algorithm: keyof typeof SEEDS) =>
      TOTP.generate({ secret: Secret.fromLatin1(SEEDS[algorithm]), algorithm, digits: 8, period: 30, timestamp: seconds * 1000 });
    expect([at("SHA1"), at("SHA256"), at("SHA512")]).toEqual([sha1, sha256, sha512]);
  });

  test.each(VECTORS)("our 6-digit SHA-1 codes are the last six digits of Appendix B's at T = %i s", (seconds, sha1) => {
    const secret = Secret.fromLatin1(SEEDS.SHA1).base32;
    expect(totpCode(secret, seconds * 1000)).toBe(sha1.slice(-6));
    // The code names its 30-second step, and the steps either side accept it too.
    const step = Math.floor(seconds / 30);
    expect(totpTimeStep(secret, sha1.slice(-6), seconds * 1000)).toBe(step);
    expect(totpTimeStep(secret, sha1.slice(-6), seconds * 1000 + 30_000)).toBe(step);
    expect(totpTimeStep(secret, sha1.slice(-6), seconds * 1000 - 30_000)).toBe(step);
    expect(totpTimeStep(secret, sha1.slice(-6), seconds * 1000 + 60_000)).toBeUndefined();
  });

  test("a new secret is 160 random bits in base32, and the Key URI has the shape apps read", () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    expect(totpKeyUri("Auth API", "ada@example.com", secret)).toBe(
      `otpauth://totp/Auth%20API:ada@example.com?secret=${secret}&issuer=Auth%20API`,
    );
  });
});

describe("secrets at rest", () => {
  const sealer = new SecretSealer("a server secret that is long enough for the test");

  test("a sealed secret opens for its user only, under the same server secret only, and not when altered", () => {
    const sealed = sealer.seal("JBSWY3DPEHPK3PXP", "user-a");
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(sealer.unseal(sealed, "user-a")).toBe("JBSWY3DPEHPK3PXP");
    expect(() => sealer.unseal(sealed, "user-b")).toThrow();
    expect(() => new SecretSealer("another server secret, just as long as the first").unseal(sealed, "user-a")).toThrow();
    const altered = sealed.slice(0, -2) + (sealed.endsWith("AA") ? "BB" : "AA");
    expect(() => sealer.unseal(altered, "user-a")).toThrow();
  });

  test("recovery codes: ten, 80 random bits each, read back however they are typed, hashed with a key", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
    const code = "0a1b-2c3d-4e5f-6g7h";
    expect(normalRecoveryCode(" 0A1B 2C3D-4E5F 6G7H ")).toBe("0A1B2C3D4E5F6G7H");
    // Crockford's base32 reads O as 0 and I or L as 1.
    expect(normalRecoveryCode("oa1b-2c3d-4e5f-6g7h")).toBe(normalRecoveryCode(code));
    expect(normalRecoveryCode("123456")).toBeUndefined();
    expect(normalRecoveryCode("0a1b-2c3d-4e5f-6g7u")).toBeUndefined();
    const hasher = new RecoveryCodeHasher("a server secret that is long enough for the test");
    const hash = hasher.hash(normalRecoveryCode(code)!);
    expect(hash).not.toContain("0A1B");
    expect(new RecoveryCodeHasher("another server secret, just as long as the first").hash(normalRecoveryCode(code)!)).not.toBe(hash);
  });
});
