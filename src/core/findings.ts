/**
 * What a content check finds that the installers let through but is odd
 * (WHEEL tags other than the file name's, a signature listed in RECORD):
 * a warning naming the file and what is odd, never a failed run; with
 * `strict`, a refusal like any other.
 */
import { ContentError } from './errors.js';
import { quote } from './untrusted.js';

/** One odd thing about one distribution. */
export interface ContentWarning {
  file: string;
  /** The member it is about, if one. */
  member?: string;
  detail: string;
  /** One line for a person: the file, the member (quoted) and the detail. */
  message: string;
}

/** Collects a check's warnings, or refuses at the first when strict. */
export class Findings {
  readonly warnings: ContentWarning[] = [];

  constructor(
    private readonly file: string,
    private readonly strict: boolean,
  ) {}

  /** Something odd that pip and installer let through: a warning, or (strict) a ContentError. */
  odd(member: string | undefined, detail: string): void {
    if (this.strict) throw new ContentError(this.file, member, `${detail}; refused because strict is on`);
    const where = member === undefined ? '' : ` at ${quote(member)}`;
    this.warnings.push({ file: this.file, ...(member === undefined ? {} : { member }), detail, message: `${this.file}: odd${where}: ${detail}` });
  }
}
