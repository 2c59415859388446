#include "core/engine/text/clip_text_cleanup.h"

#include <QChar>
#include <QList>

#include <cctype>
#include <string_view>

namespace tessera::engine {
namespace {

bool isFtfyControl(char32_t c) {
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
           c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC) || (c >= 0x1D173 && c <= 0x1D17A) ||
           (c >= 0xE0000 && c <= 0xE007F);
}

const char* latinLigature(char32_t c) {
    switch (c) {
    case 0x0132: return "IJ";
    case 0x0133: return "ij";
    case 0x0149: return "\xCA\xBCn";  // ŉ -> ʼn
    case 0x01C4: return "D\xC5\xBD";  // Ǆ -> DŽ
    case 0x01C5: return "D\xC5\xBE";  // ǅ -> Dž
    case 0x01C6: return "d\xC5\xBE";  // ǆ -> dž
    case 0x01C7: return "LJ";
    case 0x01C8: return "Lj";
    case 0x01C9: return "lj";
    case 0x01CA: return "NJ";
    case 0x01CB: return "Nj";
    case 0x01CC: return "nj";
    case 0x01F1: return "DZ";
    case 0x01F2: return "Dz";
    case 0x01F3: return "dz";
    case 0xFB00: return "ff";
    case 0xFB01: return "fi";
    case 0xFB02: return "fl";
    case 0xFB03: return "ffi";
    case 0xFB04: return "ffl";
    case 0xFB05: return "\xC5\xBFt";  // ﬅ -> ſt
    case 0xFB06: return "st";
    default: return nullptr;
    }
}

void append(QString& out, char32_t c) {
    const char32_t one[1] = {c};
    out.append(QString::fromUcs4(one, 1));
}

}  // namespace

QString fixTextLikeFtfy(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (char32_t c : text.toUcs4()) {
        if (isFtfyControl(c)) continue;
        if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) {
            out.append(QLatin1Char('\''));
        } else if (c >= 0x201C && c <= 0x201F) {
            out.append(QLatin1Char('"'));
        } else if (const char* lig = latinLigature(c)) {
            out.append(QString::fromUtf8(lig));
        } else if (c == 0x3000) {
            out.append(QLatin1Char(' '));
        } else if (c >= 0xFF01 && c <= 0xFFEF) {
            QString one;
            append(one, c);
            out.append(one.normalized(QString::NormalizationForm_KC));
        } else {
            append(out, c);
        }
    }
    return out.normalized(QString::NormalizationForm_C);
}

QString unescapeHtml(const QString& text) {
    if (!text.contains(QLatin1Char('&'))) return text;
    struct Named {
        std::u16string_view name;
        char16_t value;
        bool needsSemicolon;
    };
    static const Named kNamed[] = {{u"amp", u'&', false},   {u"lt", u'<', false},     {u"gt", u'>', false},
                                   {u"quot", u'"', false},  {u"apos", u'\'', true},   {u"nbsp", 0x00A0, false}};
    QString out;
    out.reserve(text.size());
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n;) {
        if (text[i] != QLatin1Char('&')) {
            out.append(text[i++]);
            continue;
        }
        // Numeric reference: &#123; or &#x7B; (semicolon optional, as in Python's html.unescape).
        if (i + 2 < n && text[i + 1] == QLatin1Char('#')) {
            qsizetype j = i + 2;
            const bool hex = text[j] == QLatin1Char('x') || text[j] == QLatin1Char('X');
            if (hex) ++j;
            const qsizetype digitsBegin = j;
            while (j < n && (hex ? isxdigit(text[j].unicode()) != 0 : text[j].isDigit()) && text[j].unicode() < 128) ++j;
            if (j > digitsBegin && j - digitsBegin <= 8) {
                bool ok = false;
                uint code = text.mid(digitsBegin, j - digitsBegin).toUInt(&ok, hex ? 16 : 10);
                if (j < n && text[j] == QLatin1Char(';')) ++j;
                if (!ok || code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) code = 0xFFFD;
                append(out, static_cast<char32_t>(code));
                i = j;
                continue;
            }
        }
        bool replaced = false;
        for (const Named& e : kNamed) {
            const QString name = QString::fromUtf16(e.name.data(), static_cast<qsizetype>(e.name.size()));
            if (text.mid(i + 1, name.size()) != name) continue;
            qsizetype j = i + 1 + name.size();
            const bool semicolon = j < n && text[j] == QLatin1Char(';');
            if (e.needsSemicolon && !semicolon) continue;
            out.append(QChar(e.value));
            i = j + (semicolon ? 1 : 0);
            replaced = true;
            break;
        }
        if (!replaced) out.append(text[i++]);
    }
    return out;
}

QString collapseWhitespace(const QString& text) {
    QString out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (char32_t c : text.toUcs4()) {
        if (QChar::isSpace(c)) {
            pendingSpace = true;
            continue;
        }
        if (pendingSpace && !out.isEmpty()) out.append(QLatin1Char(' '));
        pendingSpace = false;
        append(out, c);
    }
    return out;
}

QString cleanClipText(const QString& text) {
    QString t = unescapeHtml(unescapeHtml(fixTextLikeFtfy(text)));
    return collapseWhitespace(t).toLower();
}

}  // namespace tessera::engine
