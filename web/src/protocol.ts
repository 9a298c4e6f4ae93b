/**
 * The control protocol's shapes for the page, taken from their one declaration (the zod
 * schemas in vmm/host/protocol*.ts) as types only: nothing of the host's code is bundled.
 */
import type { z } from "zod";
import type { AnswerOf, CommandName, COMMANDS } from "../../vmm/host/protocol-commands.js";
import type { EventData, EventName } from "../../vmm/host/protocol-events.js";
import type { Greeting } from "../../vmm/host/protocol.js";
import type { MigrationInfo, MigrationPages } from "../../vmm/host/protocol-migrate.js";

export type { AnswerOf, CommandName, EventData, EventName, Greeting, MigrationInfo, MigrationPages };
/** What a request may carry (defaults may be left out). */
export type RequestOf<N extends CommandName> = z.input<(typeof COMMANDS)[N]["arguments"]>;
export type VmSummary = AnswerOf<"query-vms">[number];
export type HostInfo = AnswerOf<"query-host">;
export type AnyEvent = { [N in EventName]: { event: N; data: EventData<N> } }[EventName];
