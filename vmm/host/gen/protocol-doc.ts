/**
 * The protocol reference of docs/HOSTS.md, generated from the schemas that validate every
 * request (protocol*.ts) by way of zod's JSON Schema: each command with its arguments and what
 * it returns, each event with its data, the error classes and the framing. The generated text
 * sits between two marker lines in the page; the rest of the page is written by hand.
 */
import { z } from "../../../isa/schema.js";
import { CAPABILITIES, ERROR_CLASSES, greetingSchema, PROTOCOL_VERSION, REQUEST_LINE_MAX } from "../protocol.js";
import { COMMANDS, COMMAND_NAMES } from "../protocol-commands.js";
import { EVENTS, type EventName } from "../protocol-events.js";
import { vmSummary } from "../protocol-values.js";
import { OUTPUT_QUEUE_MAX } from "../session.js";

export const BEGIN = "<!-- generated from vmm/host/protocol*.ts by `npm run generate`: do not edit by hand -->";
export const END = "<!-- end of generated reference -->";

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  description?: string;
  $ref?: string;
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (text: string): string => `\`${text}\``;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
}

/** A value's kind in a few words: `integer from 1 to 65536`, `"running" or "paused"`, `list of object`. */
function typeText(schema: JsonSchema): string {
  if (schema.$ref) return "any JSON value";
  if (schema.anyOf) return schema.anyOf.map(typeText).join(" or ");
  if (schema.oneOf) return schema.oneOf.map(shapeText).join(" or ");
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  if (schema.enum) return schema.enum.map((value) => code(JSON.stringify(value))).join(" or ");
  switch (schema.type) {
    case "integer":
    case "number": {
      const kind = schema.type === "integer" ? "integer" : "number";
      const top = schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
      const range = schema.minimum !== undefined ? (top !== undefined ? ` from ${schema.minimum} to ${top}` : ` ≥ ${schema.minimum}`) : "";
      return `${kind}${range}${schema.multipleOf ? `, a multiple of ${schema.multipleOf}` : ""}`;
    }
    case "string":
      if (schema.pattern) return `text matching ${code(schema.pattern)}`;
      return schema.maxLength !== undefined ? `text (at most ${schema.maxLength} characters)` : "text";
    case "array":
      return schema.items ? `list of ${typeText(schema.items)}` : "list";
    case "object":
      if (schema.properties) return Object.keys(schema.properties).length ? "object" : "`{}`";
      return typeof schema.additionalProperties === "object" ? `object of ${typeText(schema.additionalProperties)}` : "object";
    default:
      return schema.type ?? "any JSON value";
  }
}

/** An object alternative of a union on one line: `{"kind": "exited", "status": integer}`. */
function shapeText(schema: JsonSchema): string {
  if (!schema.properties) return typeText(schema);
  const fields = Object.entries(schema.properties).map(([key, field]) => {
    const optional = schema.required?.includes(key) ? "" : "?";
    const value = field.const !== undefined ? JSON.stringify(field.const) : field.type ?? "value";
    return `"${key}"${optional}: ${value}`;
  });
  return code(`{${fields.join(", ")}}`);
}

/** Table rows for an object's fields, nested objects' fields under dotted names. */
function fieldRows(schema: JsonSchema, prefix = ""): string[] {
  const rows: string[] = [];
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const name = prefix + key;
    const required = schema.required?.includes(key);
    const presence = field.default !== undefined ? `default ${code(JSON.stringify(field.default))}` : required ? "required" : "optional";
    rows.push(`| ${code(name)} | ${cell(typeText(field))} | ${presence} | ${cell(field.description ?? "")} |`);
    if (field.type === "object" && field.properties && Object.keys(field.properties).length) rows.push(...fieldRows(field, `${name}.`));
  }
  return rows;
}

function fieldTable(schema: JsonSchema): string[] {
  const rows = fieldRows(schema);
  if (rows.length === 0) return ["None: `{}`."];
  return ["| field | type | | meaning |", "|---|---|---|---|", ...rows];
}

function commandSection(name: (typeof COMMAND_NAMES)[number]): string[] {
  const spec = COMMANDS[name];
  const returns = jsonSchema(spec.returns, "output");
  const out = [`#### \`${name}\``, "", spec.doc, "", "Arguments:", "", ...fieldTable(jsonSchema(spec.arguments, "input")), ""];
  if ((spec.returns as z.ZodType) === vmSummary) {
    out.push("Returns the VM as `query-vms` lists it.", "");
  } else if (returns.type === "array") {
    out.push(`Returns a list${returns.items?.properties ? ", each item:" : ` of ${typeText(returns.items ?? {})}.`}`, "");
    if (returns.items?.properties) out.push(...fieldTable(returns.items), "");
  } else {
    out.push("Returns:", "", ...fieldTable(returns), "");
  }
  return out;
}

function eventSection(name: EventName): string[] {
  const spec = EVENTS[name];
  return [`#### \`${name}\``, "", spec.doc, "", ...fieldTable(jsonSchema(spec.data, "output")), ""];
}

/** The generated reference, markers included. */
export function protocolReference(): string {
  const greeting = jsonSchema(greetingSchema, "output").properties!.toyvmm!;
  return [
    BEGIN,
    "",
    `Protocol version ${PROTOCOL_VERSION}. Every message is one line of JSON ending in a newline; a host reads a line of at most ${REQUEST_LINE_MAX} bytes`,
    `(a longer one is answered with a \`BadRequest\` error and the connection is closed) and holds at most ${OUTPUT_QUEUE_MAX} bytes of answers`,
    "and events for a client that does not read them (past that, the client is dropped).",
    "",
    "### The greeting",
    "",
    "The first line a host sends on every connection: `{\"toyvmm\": {…}}` with",
    "",
    ...fieldTable(greeting),
    "",
    `Capabilities: ${CAPABILITIES.map(code).join(", ")}.`,
    "",
    "### Requests, answers, errors",
    "",
    '`{"execute": NAME, "arguments": {…}, "id": ANY}`: `arguments` may be left out when a command takes none, `id` when the answer need not',
    'be matched. Answers come in the order of the requests: `{"return": VALUE, "id": ANY}`, or `{"error": {"class": CLASS, "desc": TEXT}, "id": ANY}`',
    "where `desc` is one line for people and `CLASS` one of:",
    "",
    "| class | when |",
    "|---|---|",
    ...Object.entries(ERROR_CLASSES).map(([name, when]) => `| ${code(name)} | ${cell(when)} |`),
    "",
    '### Events',
    "",
    '`{"event": NAME, "data": {…}, "timestamp": {"seconds": S, "microseconds": U}}`, between answers, never inside one.',
    "",
    ...(Object.keys(EVENTS) as EventName[]).flatMap(eventSection),
    "### Commands",
    "",
    ...COMMAND_NAMES.flatMap(commandSection),
    END,
  ].join("\n");
}

/** `page` with its generated reference replaced by the current one. */
export function withProtocolReference(page: string): string {
  const begin = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/HOSTS.md has lost its markers around the generated reference ("${BEGIN}" … "${END}")`);
  return page.slice(0, begin) + protocolReference() + page.slice(end + END.length);
}
