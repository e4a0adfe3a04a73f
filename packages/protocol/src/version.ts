/** Wire-format version of the Familiar protocol; bumped on any breaking change to these schemas. */
export const PROTOCOL_VERSION = 1;
