/** A mistake on the command line: the bin prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {}
