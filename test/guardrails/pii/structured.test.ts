import { describe, expect, it } from "vitest";
import { PII } from "../../../src/guardrails/pii/index.js";
import { luhnValid, validSsn } from "../../../src/guardrails/pii/recognizers/financial.js";
import { validNanp } from "../../../src/guardrails/pii/recognizers/phone.js";

const pii = new PII();
function found(text: string, label: string): string[] {
  return pii
    .evaluate({ input: text })
    .spans.filter((s) => s.label === label)
    .map((s) => s.text);
}

describe("PII: credit cards", () => {
  it("accepts Luhn-valid numbers, plain, spaced and dashed, 12 to 19 digits", () => {
    expect(found("Card number: 4111 1111 1111 1111, exp 12/29", "CREDIT_CARD")).toEqual(["4111 1111 1111 1111"]);
    expect(found("Please charge my card 5500-0000-0000-0004.", "CREDIT_CARD")).toEqual(["5500-0000-0000-0004"]);
    expect(found("Amex 3782 822463 10005 on file", "CREDIT_CARD")).toEqual(["3782 822463 10005"]);
    expect(found("card 6011000990139424", "CREDIT_CARD")).toEqual(["6011000990139424"]);
    expect(found("Maestro card 6759649826438453", "CREDIT_CARD")).toEqual(["6759649826438453"]);
  });

  it("rejects Luhn-invalid numbers and mixed separators", () => {
    expect(found("Card number 4300997207182685 failed validation (checksum error).", "CREDIT_CARD")).toEqual([]);
    expect(found("card 4111 1111 1111 1112", "CREDIT_CARD")).toEqual([]);
    expect(found("card 4111-1111 1111-1111", "CREDIT_CARD")).toEqual([]);
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });
});

describe("PII: IBAN", () => {
  it("accepts mod-97-valid IBANs, grouped or compact", () => {
    expect(found("IBAN DE89 3704 0044 0532 0130 00, thanks", "IBAN_CODE")).toEqual(["DE89 3704 0044 0532 0130 00"]);
    expect(found("remit to GB82WEST12345698765432.", "IBAN_CODE")).toEqual(["GB82WEST12345698765432"]);
  });

  it("rejects a wrong check digit and a wrong length for the country", () => {
    expect(found("IBAN DE88 3704 0044 0532 0130 00", "IBAN_CODE")).toEqual([]);
    expect(found("IBAN DE89 3704 0044 0532 0130 0", "IBAN_CODE")).toEqual([]);
    expect(found("IBAN XX89 3704 0044 0532 0130 00", "IBAN_CODE")).toEqual([]);
  });
});

describe("PII: US SSN", () => {
  it("accepts valid SSNs and uses context for undashed ones", () => {
    expect(found("My SSN is 536-22-1234.", "US_SSN")).toEqual(["536-22-1234"]);
    expect(found("SSN: 536221234", "US_SSN")).toEqual(["536221234"]);
    expect(found("Order 536221234 shipped", "US_SSN")).toEqual([]);
  });

  it("rejects area 000, 666 and 9xx, group 00 and serial 0000", () => {
    for (const ssn of ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000"]) {
      expect(found(`SSN ${ssn}`, "US_SSN"), ssn).toEqual([]);
    }
    expect(validSsn("536", "22", "1234")).toBe(true);
    expect(validSsn("078", "05", "1120")).toBe(false); // the Woolworth wallet card
  });
});

describe("PII: phone numbers", () => {
  const phones = [
    "+1 (415) 555-2671",
    "+44 20 7946 0958",
    "+49 30 901820",
    "+33 1 42 68 53 00",
    "+91-704-8548179",
    "(212) 555-0147 x123",
    "020 7946 0958",
    "+55 (11) 98765-4321",
  ];
  for (const phone of phones) {
    it(`finds ${phone}`, () => {
      expect(found(`Please call me at ${phone} tomorrow.`, "PHONE_NUMBER")).toEqual([phone]);
    });
  }

  it("checks national numbers structurally: NANP area and exchange codes", () => {
    expect(validNanp("4155552671")).toBe(true);
    expect(validNanp("14155552671")).toBe(true);
    expect(validNanp("1235552671")).toBe(false); // area code starts with 1
    expect(validNanp("4151112671")).toBe(false); // N11 exchange
    expect(validNanp("5555552671")).toBe(false); // 555 is not an area code
    expect(found("call 415 555 2671 now", "PHONE_NUMBER")).toEqual(["415 555 2671"]);
    expect(found("ref 123 456 7890 now", "PHONE_NUMBER")).toEqual([]);
  });

  it("does not take order numbers, versions, dates or short numbers for phones", () => {
    for (const text of ["Order #8383042 has shipped.", "Build 5117822 passed all 200 tests.", "Upgrade to version 10.22.34.", "Your ticket number is 6117582."]) {
      expect(found(text, "PHONE_NUMBER"), text).toEqual([]);
    }
  });
});

describe("PII: e-mail and IP addresses", () => {
  it("finds e-mail addresses but not documentation placeholders", () => {
    expect(found("Write to Anna.Maria_Lopez+work@mail.example.org.uk or x@y.io", "EMAIL_ADDRESS")).toEqual(["Anna.Maria_Lopez+work@mail.example.org.uk", "x@y.io"]);
    expect(found("Use example@example.com as a placeholder in the docs.", "EMAIL_ADDRESS")).toEqual([]);
  });

  it("parses IPv4 and IPv6, rejecting impossible ones and versions", () => {
    expect(found("from IP 203.0.113.195 at noon", "IP_ADDRESS")).toEqual(["203.0.113.195"]);
    expect(found("server 2001:db8:85a3::8a2e:370:7334 is down", "IP_ADDRESS")).toEqual(["2001:db8:85a3::8a2e:370:7334"]);
    expect(found("host fe80::1%eth0", "IP_ADDRESS")).toEqual(["fe80::1%eth0"]);
    expect(found("ip=ff01:b1f8:f89d:b0c1:c2a4:b239:d4b9:bf1e action=login", "IP_ADDRESS")).toEqual(["ff01:b1f8:f89d:b0c1:c2a4:b239:d4b9:bf1e"]);
    expect(found("bad 256.1.1.1 and 1.2.3.4.5 and version 1.2.3.4", "IP_ADDRESS")).toEqual([]);
    expect(found("time 12:30:45 and mac 00:1A:2B:3C:4D:5E", "IP_ADDRESS")).toEqual([]);
  });
});

describe("PII: dates", () => {
  it("finds numeric, ISO and written dates in several languages", () => {
    expect(found("born on 12/14/1984", "DATE_TIME")).toEqual(["12/14/1984"]);
    expect(found("at 2023-05-01T10:20:30Z the job ran", "DATE_TIME")).toEqual(["2023-05-01T10:20:30Z"]);
    expect(found("Signed up on May 23, 2023 with us", "DATE_TIME")).toEqual(["May 23, 2023"]);
    expect(found("geboren am 6. Februar 2011", "DATE_TIME")).toEqual(["6. Februar 2011"]);
    expect(found("le 3 décembre 1974", "DATE_TIME")).toEqual(["3 décembre 1974"]);
  });

  it("does not take versions or section numbers for dates", () => {
    expect(found("Version 5.26.9 deprecates the old endpoint.", "DATE_TIME")).toEqual([]);
    expect(found("You may go. Mark the box.", "DATE_TIME")).toEqual([]);
  });
});

describe("PII: secrets are delegated to the Secrets evaluator", () => {
  it("labels a credential SECRET", () => {
    expect(found("OPENAI_API_KEY=sk-TYmexYUJW8BUP_oB7fkUGPWTQw6ajdQ2zHtiDqXjzGmMrbDu", "SECRET")).toEqual([
      "sk-TYmexYUJW8BUP_oB7fkUGPWTQw6ajdQ2zHtiDqXjzGmMrbDu",
    ]);
  });
});
