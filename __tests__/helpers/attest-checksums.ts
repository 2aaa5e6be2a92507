/**
 * How actions/attest-build-provenance reads its `subject-checksums` input,
 * copied from the action that does the reading (actions/attest, MIT License,
 * Copyright GitHub), so a test can hand it the SHA256SUMS wheel-guard writes:
 *
 * - `atV410`: src/subject.ts `getSubjectFromChecksumsString` at
 *   59d89421af93a897026c735860bf21b6eb4f7b26 (v4.1.0), the commit
 *   actions/attest-build-provenance's action.yml pins at 10334b5. It splits
 *   on `os.EOL`: on a Windows runner (CRLF) an LF file is one record.
 * - `atHead`: the same function at 1e69f48 (the newest here), which splits on
 *   /\r?\n/ and refuses a name with a line break.
 *
 * Only the parsing is copied; the file checks around it (at most
 * MAX_SUBJECT_CHECKSUM_SIZE_BYTES, a regular file) are the constants below.
 */

export interface Subject {
  name: string;
  digest: Record<string, string>;
}

/** actions/attest: MAX_SUBJECT_COUNT = 1024; a checksums file may hold 512 bytes per subject. */
export const MAX_SUBJECT_COUNT = 1024;
export const MAX_SUBJECT_CHECKSUM_SIZE_BYTES = 512 * MAX_SUBJECT_COUNT;

const HEX_STRING_RE = /^[0-9a-fA-F]+$/;

const digestAlgorithm = (digest: string): string => {
  switch (digest.length) {
    case 64:
      return 'sha256';
    case 128:
      return 'sha512';
    default:
      throw new Error(`Unknown digest algorithm: ${digest}`);
  }
};

function parse(records: string[], refuseLineBreaks: boolean): Subject[] {
  const subjects: Subject[] = [];
  for (const record of records) {
    const delimIndex = record.indexOf(' ');
    if (delimIndex === -1) continue;
    const flagAndName = record.slice(delimIndex + 1);
    const name = flagAndName.startsWith('*') || flagAndName.startsWith(' ') ? flagAndName.slice(1) : flagAndName;
    if (refuseLineBreaks && /[\r\n]/.test(name)) throw new Error(`Invalid subject name (contains a newline): ${name}`);
    const digest = record.slice(0, delimIndex);
    if (!HEX_STRING_RE.test(digest)) throw new Error(`Invalid digest: ${digest}`);
    const alg = digestAlgorithm(digest);
    if (!subjects.some((s) => s.name === name && s.digest[alg] === digest)) subjects.push({ name, digest: { [alg]: digest } });
  }
  return subjects;
}

/** v4.1.0: `checksums.split(os.EOL).filter(Boolean)`; `eol` stands for the runner's os.EOL. */
export const atV410 = (checksums: string, eol: '\n' | '\r\n' = '\n'): Subject[] => parse(checksums.split(eol).filter(Boolean), false);

/** 1e69f48: `checksums.split(/\r?\n/).filter(Boolean)`, names with a line break refused. */
export const atHead = (checksums: string): Subject[] => parse(checksums.split(/\r?\n/).filter(Boolean), true);
