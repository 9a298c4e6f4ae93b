import { describe, expect, it } from "vitest";
import { UserError } from "../../isa/errors.js";
import { readExpectations } from "../../vmm/process/expectations.js";

describe("program header expectations", () => {
  it("reads args, input, stdout, stderr and exit, concatenating lines and applying escapes", () => {
    const source = [
      "; demo: does things",
      "; args: n=20 rate=5",
      "; input: line one\\n",
      "; input: tab\\there\\x21",
      "; expect-stdout: a\\n",
      "; expect-stdout: b\\\\c\\x20",
      "; expect-stderr: oops\\n",
      "; expect-exit: 3",
      "main:  ; expect-exit: 9 (not a header line)",
    ].join("\n");
    expect(readExpectations(source)).toEqual({
      args: "n=20 rate=5",
      input: "line one\ntab\there!",
      stdout: "a\nb\\c ",
      stderr: "oops\n",
      exit: 3,
    });
  });

  it("leaves what is not stated undefined, and an empty value is empty", () => {
    expect(readExpectations("; expect-stdout:\n")).toEqual({ args: "", input: "", stdout: "" });
  });

  it("names the file and line of a bad header", () => {
    expect(() => readExpectations("\n; expect-exit: zero", "p.s")).toThrow(new UserError("p.s:2: error: expect-exit needs an integer, not 'zero'"));
    expect(() => readExpectations("; expect-stdout: \\q", "p.s")).toThrow(/^p\.s:1: error: unknown escape '\\q'/);
  });
});
