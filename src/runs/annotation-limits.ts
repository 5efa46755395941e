/**
 * How long the texts of an annotation may be, wherever it was found (output, workflow commands, JUnit reports):
 * they come from hostile input and are stored with the run. GitHub's own limits are larger (64 KB a message).
 */
export const MAX_MESSAGE_CHARS = 4_000;
/** GitHub's limit for an annotation's title. */
export const MAX_TITLE_CHARS = 255;
export const MAX_PATH_CHARS = 1_000;
