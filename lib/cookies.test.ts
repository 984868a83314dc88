import { describe, expect, it } from "vitest";
import { readCookie } from "./cookies";

const withCookies = (cookie: string) => new Request("http://localhost/", { headers: { cookie } });

describe("readCookie", () => {
  it("finds one cookie among several and decodes it", () => {
    const req = withCookies("bd_csrf=abc; bd_owner=own_1.sig%3D%3D; theme=dark");
    expect(readCookie(req, "bd_owner")).toBe("own_1.sig==");
    expect(readCookie(req, "theme")).toBe("dark");
  });

  it("keeps '=' inside a value and does not match on a prefix of the name", () => {
    const req = withCookies("bd_owner_old=x; bd_owner=a=b=c");
    expect(readCookie(req, "bd_owner")).toBe("a=b=c");
  });

  it("answers undefined for a missing cookie, no cookie header, or a value that is not valid percent-encoding", () => {
    expect(readCookie(withCookies("a=1"), "bd_owner")).toBeUndefined();
    expect(readCookie(new Request("http://localhost/"), "bd_owner")).toBeUndefined();
    expect(readCookie(withCookies("bd_owner=%E0%A4%A"), "bd_owner")).toBeUndefined();
  });
});
