import Foundation

/// Folds text to ASCII bytes so that spellings of one word in different journals, fonts and
/// OCR runs hash alike: letters with diacritics lose them (`Pilát` → `Pilat`, `Müll.` →
/// `Mull.`), look-alike letters and signs become their ASCII kin (dotless `ı` → `i`, `ß` →
/// `ss`, `–`/`—` → `-`, `×` → `x`, `µ` → `u`, `≡` → `=`, curly quotes → straight ones), and
/// optionally capitals become lower case (`TYMPANIS` → `tympanis`).
///
/// Characters with no ASCII kin keep their UTF-8 bytes. Deterministic and locale-free.
public enum TextFolding {
  /// The folded bytes of a line.
  ///
  /// - Parameters:
  ///   - text: The line.
  ///   - lowercase: Whether to lower-case ASCII capitals too.
  public static func fold(_ text: String, lowercase: Bool) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      let value = scalar.value
      if value < 0x80 {
        let byte = UInt8(value)
        bytes.append(lowercase && byte >= 0x41 && byte <= 0x5A ? byte + 32 : byte)
      } else if let ascii = table[value] {
        for byte in ascii.utf8 {
          bytes.append(lowercase && byte >= 0x41 && byte <= 0x5A ? byte + 32 : byte)
        }
      } else {
        bytes.append(contentsOf: String(scalar).utf8)
      }
    }
    return bytes
  }

  /// ASCII replacements of non-ASCII scalars: every Latin letter of U+00C0…U+024F whose
  /// canonical decomposition starts with an ASCII letter, plus letters and signs that do not
  /// decompose.
  static let table: [UInt32: String] = {
    var table: [UInt32: String] = [:]
    for value in UInt32(0xC0)...0x24F {
      guard let scalar = Unicode.Scalar(value),
        let base = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.first,
        base.isASCII, base.properties.isAlphabetic
      else { continue }
      table[value] = String(base)
    }
    let others: [UInt32: String] = [
      0xC6: "AE", 0xE6: "ae", 0xD8: "O", 0xF8: "o", 0xDF: "ss", 0x131: "i", 0x141: "L",
      0x142: "l", 0x110: "D", 0x111: "d", 0x152: "OE", 0x153: "oe", 0xD0: "D", 0xF0: "d",
      0xDE: "Th", 0xFE: "th", 0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-",
      0x2015: "-", 0x2212: "-", 0xD7: "x", 0xB5: "u", 0x3BC: "u", 0x2261: "=", 0x2018: "'",
      0x2019: "'", 0x201A: "'", 0x201C: "\"", 0x201D: "\"", 0x201E: "\"", 0xB4: "'",
      0x2032: "'", 0xA0: " ", 0x2009: " ", 0x202F: " ", 0xB0: "o", 0xBA: "o", 0xAA: "a",
      0xFB01: "fi", 0xFB02: "fl",
    ]
    table.merge(others) { _, new in new }
    return table
  }()
}
