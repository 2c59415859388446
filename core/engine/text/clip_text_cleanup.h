#pragma once
// The text clean-up openai's CLIP tokenizer applies before pre-tokenisation:
//   whitespace_clean(basic_clean(text)).lower()
// basic_clean = ftfy.fix_text + html.unescape twice + strip. Of ftfy we implement the parts that
// change ordinary prompts: NFC normalisation, curly quotes -> straight quotes, Latin ligatures,
// full-width/half-width forms (NFKC of U+FF01..U+FFEF, U+3000 -> space) and removal of control
// characters. Mojibake repair and terminal-escape removal are not implemented.
// HTML unescaping covers numeric references and the common named entities (amp, lt, gt, quot,
// apos, nbsp).
#include <QString>

namespace tessera::engine {

QString fixTextLikeFtfy(const QString& text);
QString unescapeHtml(const QString& text);
// Runs of whitespace become one space; leading/trailing whitespace is removed.
QString collapseWhitespace(const QString& text);
// The whole CLIP clean-up, ending lower-cased.
QString cleanClipText(const QString& text);

}  // namespace tessera::engine
