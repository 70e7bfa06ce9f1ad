export const VERSION = "0.1.0";
/** Bump on any breaking change of a --json shape (a key removed, renamed or retyped). */
export const AGENT_CONTRACT_VERSION = 1;
