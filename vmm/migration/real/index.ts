/**
 * The real driver, the library a host process uses: the migration protocol's state machines
 * over TCP on the wall clock. The source calls `startMigration(guest, options)`; the
 * destination runs a `MigrationListener` and `expect`s each incoming migration with a
 * one-time token. `WallClockGuest` runs a guest on this process's loop when the host has no
 * scheduler of its own; any other scheduler can implement `GuestControl` instead.
 */
export type { GuestControl } from "./guest-control.js";
export { WallClockGuest, type RunnerOptions } from "./guest-runner.js";
export type { Address } from "./dial.js";
export { IncomingMigration, type IncomingResult, type IncomingStatus } from "./incoming.js";
export { MigrationListener, type ExpectOptions, type ListenerOptions } from "./listener.js";
export { OutgoingMigration, startMigration, type OutgoingOptions, type OutgoingResult, type OutgoingStatus } from "./outgoing.js";
