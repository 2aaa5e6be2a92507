/**
 * The one door for names a stranger chose, and the one way out for text.
 *
 * Whoever can write to a container chooses its file names, its sidecars'
 * bytes, an archive's member names and an artifact's name. Every such name
 * is checked here once, when it enters a run (`nameProblem`), and any text
 * that leaves the run (the log, an annotation, the job summary, an output, a
 * terminal) goes through `plain` or `quote`, so no name can carry a workflow
 * command, a terminal escape sequence or a line of its own into what a
 * person or the runner reads.
 */

/** The characters a distribution or sidecar file name can hold: PEP 427/491 escaped names, PEP 440 versions, tags. */
const NAME_CHARACTERS = /^[A-Za-z0-9._+!-]+$/;

/** The longest file name most file systems accept (and far more than any real wheel's). */
export const MAX_NAME_LENGTH = 255;

/**
 * Characters that are never printed raw: C0 and C1 controls, DEL, and the
 * Unicode format characters that reorder or hide text (bidirectional
 * overrides and isolates, zero-width characters, line and paragraph
 * separators, the byte-order mark).
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;

/** Longest untrusted text quoted in a message; the rest is counted, not shown. */
const MAX_QUOTED = 300;

/** True when `text` holds a character that must never reach a log or terminal raw. */
export function hasUnprintable(text: string): boolean {
  UNPRINTABLE.lastIndex = 0;
  return UNPRINTABLE.test(text);
}

/** JSON-style escape of one character: `\n`, `\t`, `\u001b`. */
function escapeCharacter(character: string): string {
  const json = JSON.stringify(character).slice(1, -1);
  if (json !== character) return json;
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * A line safe for any output: every unprintable character escaped
 * JSON-style, so it stays one line and carries no escape sequence. A line
 * that would start a workflow command (`::`) gets a leading space.
 */
export function plain(text: string): string {
  const escaped = text.replace(UNPRINTABLE, escapeCharacter);
  return escaped.startsWith('::') ? ` ${escaped}` : escaped;
}

/** Shown as they are: printable ASCII but space, quotes, backslash and backtick (a member path's `/` included). */
const SHOWN_RAW = /^[\x21\x23-\x5b\x5d-\x5f\x61-\x7e]+$/;

/**
 * An untrusted name as a message shows it: as it is when it is plainly a
 * name (printable ASCII, no space, quote, backslash or backtick), otherwise
 * JSON-quoted with every character outside printable ASCII escaped, and cut
 * to a few hundred characters.
 */
export function quote(name: string): string {
  if (name.length <= MAX_NAME_LENGTH && SHOWN_RAW.test(name)) return name;
  const shown = name.length > MAX_QUOTED ? name.slice(0, MAX_QUOTED) : name;
  const json = JSON.stringify(shown).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return name.length > MAX_QUOTED ? `${json}… (${name.length} characters)` : json;
}

/**
 * Why `name` cannot be the name of a distribution or sidecar file, or
 * undefined when it can be. Checked at the door for every name a run is
 * about to use: from a listing, an archive, a sidecar or SHA256SUMS.
 */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'is an empty name';
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long; a file name has at most ${MAX_NAME_LENGTH}`;
  if (hasUnprintable(name)) return 'holds control or invisible characters';
  if (/[\\/]/.test(name)) return 'holds a path separator; a container is flat';
  if (name.startsWith('.')) return 'starts with a dot';
  if (name.includes('..')) return 'holds ".."';
  if (!NAME_CHARACTERS.test(name)) return 'holds characters no distribution or sidecar name can have (only letters, digits and . _ + ! -)';
  return undefined;
}
