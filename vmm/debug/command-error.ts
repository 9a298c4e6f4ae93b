/** A command the debugger cannot carry out, told to the user in one line (the session goes on). */
export class CommandError extends Error {}
