// Controls (C0, DEL, C1), format characters (bidi controls, zero-width characters, U+FEFF, tag
// characters), the line and paragraph separators, and lone surrogates (which a UTF-8 stream would
// turn into U+FFFD, hiding what was there).
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu

/**
 * Makes text the CLI did not write itself safe to print on a terminal: every control character
 * (C0 with `\t` `\r` `\n`, DEL, C1), every format character (the bidi controls U+061C,
 * U+200E/U+200F, U+202A–U+202E, U+2066–U+2069; the zero-width characters; U+FEFF), U+2028,
 * U+2029 and every lone surrogate becomes visible text: `\xNN` below U+0100, else `\u{NNNN}`.
 * Everything else is left as is, a backslash too, so `\x1b` in the output may also be those four
 * characters in the data; `--json` output has the exact value.
 *
 * Server data (emails, reasons, labels, S3 keys, error messages) goes through it before it
 * reaches a table cell or a line, so a stored value cannot move the cursor, erase or forge a
 * line, or reorder what follows it.
 *
 * @param text any string, possibly hostile.
 * @returns the string with each unprintable code point replaced by its escape.
 * @example
 * ```ts
 * printable('ok\r\x1b[2KConclusion: nobody') // 'ok\\x0d\\x1b[2KConclusion: nobody'
 * printable('txt.\u202Eexe') // 'txt.\\u{202e}exe'
 * ```
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0) as number
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u{${code.toString(16).padStart(4, '0')}}`
  })
}
