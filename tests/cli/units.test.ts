import { describe, expect, it } from "vitest";
import { parseBandwidth, parseCount, parseDuration, parseMemorySize } from "../../vmm/migration/units.js";

describe("units", () => {
  it("read bytes and bits with their conventional meanings", () => {
    expect(parseBandwidth("100MB/s")).toBe(100_000_000);
    expect(parseBandwidth("100Mb/s")).toBe(12_500_000);
    expect(parseBandwidth("100Mbit/s")).toBe(12_500_000);
    expect(parseBandwidth("100Mbps")).toBe(12_500_000);
    expect(parseBandwidth("1Gbit/s")).toBe(125_000_000);
    expect(parseBandwidth("8b/s")).toBe(1);
    expect(parseBandwidth("2kB/s")).toBe(2000);
    expect(parseBandwidth("2KB/s")).toBe(2000);
    expect(parseBandwidth("512KiB/s")).toBe(524_288);
    expect(parseBandwidth("1e6")).toBe(1_000_000);
    expect(parseDuration("250us", "--latency")).toBe(250_000);
    expect(parseDuration("250µs", "--latency")).toBe(250_000);
    expect(parseCount("100M", "--speed")).toBe(100_000_000);
    expect(parseCount("5k", "--speed")).toBe(5000);
  });

  it("refuse a spelling that is a unit only when case is ignored, naming what it may mean", () => {
    expect(() => parseBandwidth("100mb/s")).toThrow(
      '--bandwidth "100mb/s": "mb/s" is not a unit; units are case-sensitive: did you mean MB/s or Mb/s?',
    );
    expect(() => parseBandwidth("1GBIT/S")).toThrow("did you mean Gbit/s?");
    expect(() => parseDuration("30MS", "--latency")).toThrow("did you mean ms?");
    expect(() => parseCount("100m", "--speed")).toThrow("did you mean M?");
  });

  it("name the units when the text is no number with a unit", () => {
    expect(() => parseBandwidth("fast")).toThrow(/^--bandwidth "fast": expected a number with a unit \(B\/s, .*Mbps\), e\.g\. 100MB\/s or 1Gbit\/s$/);
    expect(() => parseDuration("30", "--latency")).toThrow('--latency "30": expected a number with a unit (ns, us, ms, s), e.g. 30ms or 250us');
  });
});

describe("memory sizes", () => {
  it("read binary and decimal units, and name the machine's limit when out of range", () => {
    expect(parseMemorySize("4MiB", "--memory")).toBe(4 << 20);
    expect(parseMemorySize("4M", "--memory")).toBe(4 << 20);
    expect(parseMemorySize("256KiB", "--memory")).toBe(256 << 10);
    expect(parseMemorySize("65536", "--memory")).toBe(65536);
    expect(() => parseMemorySize("2GiB", "--memory")).toThrow(
      '--memory "2GiB": guest memory is a multiple of 4096 bytes from 4 KiB to 1 GiB',
    );
    expect(() => parseMemorySize("4mib", "--memory")).toThrow("did you mean MiB?");
    expect(() => parseMemorySize("5000", "--memory")).toThrow("a multiple of 4096 bytes");
  });
});
