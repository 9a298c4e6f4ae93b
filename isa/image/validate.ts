/**
 * What makes a GuestImage loadable, checked the same way for an image about to be written and
 * for one just read from a file: memory size, entry, boot-args area, sections inside memory
 * and not overlapping, names that can be stored. Every failure is a one-line UserError
 * naming the file.
 */
import { MAX_MEMORY, PAGE_SIZE, WORD_BYTES } from "../arch.js";
import { UserError } from "../errors.js";
import { textFits } from "../binary/record.js";
import { KNOWN_IMAGE_FLAGS, NAME_LENGTH } from "./layout.js";
import { printableName } from "./printable.js";
import { SECTION_EXEC, SECTION_WRITE, SECTION_ZERO, type GuestImage, type ImageSection } from "./model.js";

export const KNOWN_SECTION_FLAGS = SECTION_EXEC | SECTION_WRITE | SECTION_ZERO;
const U32_MAX = 0xffffffff;

export const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
/** A problem as one line: control and line-separator characters (names may hold them) escaped. */
export const oneLine = printableName;
const range = (address: number, size: number): string => `${hex(address)}..${hex(address + size)}`;

function isU32(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= U32_MAX;
}

export function validateImage(image: GuestImage, file: string): void {
  const fail = (problem: string): never => {
    throw new UserError(oneLine(`${file}: ${problem}`));
  };
  for (const key of ["entry", "memorySize", "flags"] as const) {
    if (!isU32(image[key])) fail(`${key} ${String(image[key])} is not a 32-bit unsigned integer`);
  }
  const { memorySize, entry } = image;
  if (memorySize === 0 || memorySize % PAGE_SIZE !== 0) {
    fail(`memory size ${hex(memorySize)} is not a positive multiple of ${PAGE_SIZE}`);
  }
  if (memorySize > MAX_MEMORY) fail(`memory size ${hex(memorySize)} is larger than the maximum ${hex(MAX_MEMORY)}`);
  if ((image.flags & ~KNOWN_IMAGE_FLAGS) !== 0) fail(`unknown image flags ${hex(image.flags)}`);
  if (entry >= memorySize) fail(`entry ${hex(entry)} is outside memory (${hex(memorySize)} bytes)`);
  if (entry % WORD_BYTES !== 0) fail(`entry ${hex(entry)} is not word-aligned`);

  image.sections.forEach((section, index) => validateSection(section, index, memorySize, fail));
  const byAddress = image.sections.filter((s) => s.size > 0).sort((x, y) => x.address - y.address);
  for (let i = 1; i < byAddress.length; i++) {
    const [before, after] = [byAddress[i - 1]!, byAddress[i]!];
    if (before.address + before.size > after.address) {
      fail(
        `sections ${before.name} (${range(before.address, before.size)}) and ` +
          `${after.name} (${range(after.address, after.size)}) overlap`,
      );
    }
  }

  const { address, size } = image.bootArgs;
  if (!isU32(address) || !isU32(size)) fail(`boot-args area is not a pair of 32-bit unsigned integers`);
  if (size === 0 && address !== 0) fail(`boot-args area at ${hex(address)} has size 0 (no area must have address 0)`);
  if (size > 0) {
    if (address + size > memorySize) {
      fail(`boot-args area ${range(address, size)} is outside memory (${hex(memorySize)} bytes)`);
    }
    const hit = byAddress.find((s) => s.address < address + size && address < s.address + s.size);
    if (hit) fail(`boot-args area ${range(address, size)} overlaps section ${hit.name}`);
  }

  image.symbols.forEach((symbol, index) => {
    if (typeof symbol.name !== "string" || symbol.name === "") fail(`symbol ${index} has no name`);
    if (!textFits(symbol.name, NAME_LENGTH)) fail(`symbol ${index} has a name that cannot be stored`);
    if (!isU32(symbol.address)) fail(`symbol ${symbol.name} has address ${String(symbol.address)}, not a 32-bit unsigned integer`);
  });
}

function validateSection(section: ImageSection, index: number, memorySize: number, fail: (p: string) => never): void {
  const { name, address, size, flags, data } = section;
  if (typeof name !== "string" || name === "") fail(`section ${index} has no name`);
  if (!textFits(name, NAME_LENGTH)) fail(`section ${index} has a name that cannot be stored`);
  if (!isU32(address) || !isU32(size) || !isU32(flags)) {
    fail(`section ${name}: address, size and flags must be 32-bit unsigned integers`);
  }
  if ((flags & ~KNOWN_SECTION_FLAGS) !== 0) fail(`section ${name} has unknown flags ${hex(flags)}`);
  if (flags & SECTION_ZERO) {
    if (data.length !== 0) fail(`section ${name} is zero-filled but carries ${data.length} bytes of data`);
  } else if (data.length !== size) {
    fail(`section ${name} has ${data.length} bytes of data but size ${size}`);
  }
  if (address + size > memorySize) {
    fail(`section ${name} (${range(address, size)}) is outside memory (${hex(memorySize)} bytes)`);
  }
}
