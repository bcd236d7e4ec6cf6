/// Detectors of what a nomenclature, citation or description line is made of, written from
/// the conventions of botanical and mycological nomenclature rather than learned from one
/// journal, so they carry over to journals a model has never seen.
///
/// Each detector reads one line, folded to ASCII with case kept (``TextFolding``), as
/// whitespace-separated tokens, and gives a value in `0…1`:
///
/// | name | fires on |
/// |---|---|
/// | `binomial` | a Latin binomial first, after an optional enumerator or synonym sign: `3. Crepidotus applanatus`, `= Peziza flavovirens`, `TYMPANIS CONFUSA`, `C. carpaticus` |
/// | `binomialAuthor` | a binomial followed by an author citation: `(Pers.) Kumm.`, `Pilát,`, `Lasch,`, `Korf & Iturriaga`, `ex` |
/// | `novelty` | `sp. nov.`, `gen. nov.`, `comb. nov.`, `stat. nov.`, `nom. nov.`, `emend.` |
/// | `rank` | an infraspecific rank: `var.`, `subsp.`, `ssp.`, `f.`, `forma` |
/// | `typeWord` | `Holotype`, `Lectotype`, `Neotype`, `Isotype`, `Typus`, `Type:`, `Basionym`, `Synonym`, `≡`, `nom. nud.`, `sensu`, `non` |
/// | `reference` | a reference to one page, as nomenclature cites a name's place of publication: `8: 588`, `2(1): 139`, `69 (1929) 140`, `p. 71` |
/// | `pageRange` | a reference to a range of pages, as a bibliography cites an article: `34: 13-16`, `pp. 12-40` |
/// | `authorInitials` | a bibliography entry's start, a surname and initials: `Graff, P. W.`, `Martin, G. W.` |
/// | `yearInParentheses` | `(1929)` |
/// | `endsWithYear` | a year closing the line: `… 1889.`, `… 1967)` |
/// | `abbreviations` | the share of tokens that are capitalised abbreviations (`Fung.`, `Fenn.`, `Syll.`) |
/// | `measurement` | a range of numbers (`8-25`, `(4-)5-7`, `13–19`) or a size (`4 x 6`) |
/// | `unit` | a unit of length: `µm`, `um`, `mm`, `cm` |
public enum LinePatterns {
  /// The detectors' names, in the order ``features(_:)`` gives them.
  public static let names = [
    "binomial", "binomialAuthor", "novelty", "rank", "typeWord", "reference", "pageRange",
    "authorInitials", "yearInParentheses", "endsWithYear", "abbreviations", "measurement",
    "unit",
  ]

  /// The detectors' values for one line.
  public static func features(_ line: String) -> [Float] {
    let bytes = TextFolding.fold(line, lowercase: false)
    let tokens = bytes.split { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }.map { Token($0) }
    let binomial = binomialEnd(tokens)
    var novelty = false
    var rank = false
    var typeWord = false
    var reference = false
    var pageRange = false
    var yearInParentheses = false
    var measurement = false
    var unit = false
    var abbreviations = 0
    for (index, token) in tokens.enumerated() {
      let word = token.lowercaseCore
      let next = index + 1 < tokens.count ? tokens[index + 1] : nil
      if word == "nov" || word == "emend" { novelty = true }
      if (["var", "subsp", "ssp"].contains(word) && token.endsWithPeriod) || word == "forma"
        || (word == "f" && token.endsWithPeriod && next?.isLowercaseWord == true)
      {
        rank = true
      }
      if Self.typeWords.contains(word) || (index == 0 && token.text == [0x3D]) { typeWord = true }
      if word.hasPrefix("holotyp") || word.hasPrefix("lectotyp") || word.hasPrefix("neotyp")
        || word.hasPrefix("isotyp") || word.hasPrefix("epityp") || word.hasPrefix("basionym")
        || word.hasPrefix("synonym")
      {
        typeWord = true
      }
      let citesPages =
        (token.isVolumeBeforeColon && next?.startsWithDigit == true)
        || (word == "p" || word == "pp") && token.endsWithPeriod && next?.startsWithDigit == true
      if citesPages, let next {
        if next.isRange { pageRange = true } else { reference = true }
      }
      if token.isNumber, let next, next.isParenthesizedYear, index + 2 < tokens.count,
        tokens[index + 2].startsWithDigit
      {
        if tokens[index + 2].isRange { pageRange = true } else { reference = true }
      }
      if token.isParenthesizedYear { yearInParentheses = true }
      if token.isRange
        || (word == "x" && index > 0 && tokens[index - 1].endsWithDigit
          && next?.startsWithDigit == true)
      {
        measurement = true
      }
      if Self.units.contains(word) || token.hasUnitSuffix { unit = true }
      if token.isCapitalizedAbbreviation { abbreviations += 1 }
    }
    let endsWithYear = tokens.last?.isYear ?? false
    let authorInitials = startsWithAuthorInitials(tokens)
    func flag(_ condition: Bool) -> Float { condition ? 1 : 0 }
    return [
      flag(binomial != nil),
      flag(binomial.map { $0 < tokens.count && tokens[$0].isAuthorStart } ?? false),
      flag(novelty), flag(rank), flag(typeWord), flag(reference), flag(pageRange),
      flag(authorInitials), flag(yearInParentheses),
      flag(endsWithYear), tokens.isEmpty ? 0 : Float(abbreviations) / Float(tokens.count),
      flag(measurement), flag(unit),
    ]
  }

  static let typeWords: Set<String> = [
    "type", "typus", "typification", "nud", "sensu", "non", "auct", "syn", "nomen", "iconotype",
  ]

  static let units: Set<String> = ["um", "mm", "cm", "m", "nm"]

  /// Words that start or continue English and Latin sentences, never a genus or an epithet.
  static let stopWords: Set<String> = [
    "the", "this", "these", "that", "those", "there", "they", "their", "its", "and", "but",
    "for", "from", "with", "without", "was", "were", "are", "has", "have", "had", "not", "all",
    "some", "each", "both", "one", "two", "three", "when", "where", "which", "while", "after",
    "before", "between", "into", "other", "such", "than", "then", "thus", "also", "only",
    "very", "more", "most", "many", "our", "his", "her", "species", "specimens", "specimen",
    "collected", "found", "known", "described", "figure", "figures", "plate", "table", "page",
    "see", "cum", "sed", "vel", "non", "est", "sunt", "pro", "per", "sub", "sine", "hab",
  ]

  /// Whether a line opens like a bibliography entry: a surname with a comma, then initials
  /// (`Graff, P. W.`, `Saccardo, P. A.`), after an optional enumerator or dash.
  static func startsWithAuthorInitials(_ tokens: [Token]) -> Bool {
    var index = 0
    while index < min(2, tokens.count), tokens[index].isEnumerator || tokens[index].isDashes {
      index += 1
    }
    guard index + 1 < tokens.count, tokens[index].text.last == 0x2C,
      tokens[index].isCapitalizedWord || tokens[index].isUppercaseWord
    else { return false }
    return tokens[index + 1].isInitial
  }

  /// The index of the token after a leading binomial (or `nil` when the line does not start
  /// with one): an optional enumerator (`3.`, `12)`, `=`, `-`, `*`) or two, a genus
  /// (`Crepidotus`, `C.`, `TYMPANIS`) and an epithet (`carpaticus`, `CONFUSA`), or a genus
  /// followed by `sp.`/`gen.`.
  static func binomialEnd(_ tokens: [Token]) -> Int? {
    var index = 0
    while index < min(2, tokens.count), tokens[index].isEnumerator { index += 1 }
    guard index + 1 < tokens.count else { return nil }
    let genus = tokens[index]
    let epithet = tokens[index + 1]
    let capitalizedGenus =
      genus.isCapitalizedWord && genus.core.count >= 3 && !stopWords.contains(genus.lowercaseCore)
    let abbreviatedGenus = genus.core.count == 1 && genus.isCapitalizedWord && genus.endsWithPeriod
    let upperGenus = genus.isUppercaseWord && genus.core.count >= 3
    if capitalizedGenus || abbreviatedGenus, epithet.isLowercaseWord, epithet.core.count >= 3,
      !stopWords.contains(epithet.lowercaseCore)
    {
      return index + 2
    }
    // Older works capitalise epithets made from names (`Peronospora Plantaginis Burrill`):
    // count those only when an author follows.
    if capitalizedGenus, epithet.isCapitalizedWord, epithet.core.count >= 4,
      index + 2 < tokens.count, tokens[index + 2].isAuthorStart, !epithet.endsWithPeriod
    {
      return index + 2
    }
    if upperGenus, epithet.isUppercaseWord || epithet.isLowercaseWord, epithet.core.count >= 3 {
      return index + 2
    }
    if capitalizedGenus, ["sp", "gen", "spp"].contains(epithet.lowercaseCore) {
      return index + 2
    }
    return nil
  }
}

/// One whitespace-separated token of a folded line, with its letters-and-digits core.
struct Token {
  /// The token's bytes.
  let text: [UInt8]
  /// The token without leading `([{"'*` and trailing `.,;:)]}"'`.
  let core: [UInt8]

  init(_ slice: ArraySlice<UInt8>) {
    text = Array(slice)
    var start = text.startIndex
    var end = text.endIndex
    while start < end, Self.leading.contains(text[start]) { start += 1 }
    while end > start, Self.trailing.contains(text[end - 1]) { end -= 1 }
    core = Array(text[start..<end])
  }

  static let leading: Set<UInt8> = Set("([{\"'*".utf8)
  static let trailing: Set<UInt8> = Set(".,;:)]}\"'".utf8)

  static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
  static func isLower(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || byte >= 0x80 }
  static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  /// The core in lower case, as text.
  var lowercaseCore: String {
    String(decoding: core.map { Self.isUpper($0) ? $0 + 32 : $0 }, as: UTF8.self)
  }

  var endsWithPeriod: Bool { text.last == 0x2E }
  var startsWithDigit: Bool { text.first.map(Self.isDigit) ?? false }
  var endsWithDigit: Bool { core.last.map(Self.isDigit) ?? false }
  var isNumber: Bool { !core.isEmpty && core.allSatisfy(Self.isDigit) }

  /// `Crepidotus`, `Pers.`: a capital, then lower-case letters (or hyphens).
  var isCapitalizedWord: Bool {
    guard let first = core.first, Self.isUpper(first) else { return false }
    return core.dropFirst().allSatisfy { Self.isLower($0) || $0 == 0x2D }
  }

  /// `carpaticus`, `nova-zelandica`.
  var isLowercaseWord: Bool {
    guard let first = core.first, Self.isLower(first) else { return false }
    return core.allSatisfy { Self.isLower($0) || $0 == 0x2D }
  }

  /// `TYMPANIS`.
  var isUppercaseWord: Bool { !core.isEmpty && core.allSatisfy { Self.isUpper($0) || $0 == 0x2D } }

  /// `3.`, `12)`, `IV.`, `=`, `-`, `*`, `+`: what numbers or marks an entry in a list.
  var isEnumerator: Bool {
    if text.count == 1, "=-*+#".utf8.contains(text[0]) { return true }
    guard let last = text.last, last == 0x2E || last == 0x29 else { return false }
    let body = text.dropLast()
    return !body.isEmpty && body.count <= 4
      && (body.allSatisfy(Self.isDigit) || body.allSatisfy { "IVXivx".utf8.contains($0) }
        || (body.count == 1 && Self.isLower(body.first!)))
  }

  /// `P.`, `G.W.`: one or two initials.
  var isInitial: Bool {
    text.count >= 2 && text.count <= 4 && Self.isUpper(text[0]) && text[1] == 0x2E
  }

  /// `—`, `——`, `--`: the dashes that repeat the previous entry's author.
  var isDashes: Bool { !text.isEmpty && text.allSatisfy { $0 == 0x2D || $0 == 0x2E } }

  /// An author citation's first token: `(Pers.)`, `Pers.`, `Pilat,`, `Lasch`, `Korf`, `ex`,
  /// `&`, `L.`, `DC.`.
  var isAuthorStart: Bool {
    if text.first == 0x28, text.count > 1, Self.isUpper(text[1]) { return true }
    if ["ex", "&", "et", "in"].contains(lowercaseCore) { return true }
    guard let first = core.first, Self.isUpper(first) else { return false }
    return core.count <= 14
      && core.allSatisfy {
        Self.isUpper($0) || Self.isLower($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x27
      }
  }

  /// `Fung.`, `Fenn.`, `Mycol.`: a capital, one to eight letters, a period.
  var isCapitalizedAbbreviation: Bool {
    endsWithPeriod && text.count >= 3 && text.count <= 10 && Self.isUpper(text[0])
      && text.dropFirst().dropLast().allSatisfy(Self.isLower)
  }

  /// `8:`, `11:`, `2(1):`, `41:`: a volume before the colon of a reference.
  var isVolumeBeforeColon: Bool {
    guard text.last == 0x3A, text.count >= 2, Self.isDigit(text[0]) else { return false }
    return text.dropLast().allSatisfy { Self.isDigit($0) || $0 == 0x28 || $0 == 0x29 }
  }

  /// `(1929)`, `(1929).`, `(1929),`.
  var isParenthesizedYear: Bool {
    text.first == 0x28 && core.count == 4 && isYear
  }

  /// A year 1700…2039 as the core: `1889.`, `(1967)`, `1821,`.
  var isYear: Bool {
    guard core.count == 4, isNumber else { return false }
    let value = core.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    return (1700...2039).contains(value)
  }

  /// `8-25`, `(4-)5-7`, `13-19`, `2.5-3`: two numbers joined by a hyphen.
  var isRange: Bool {
    guard let hyphen = core.firstIndex(of: 0x2D), hyphen > core.startIndex else { return false }
    let before = core[core.startIndex..<hyphen].filter { $0 != 0x28 && $0 != 0x29 }
    let after = core[(hyphen + 1)...].filter { $0 != 0x28 && $0 != 0x29 && $0 != 0x2D }
    func numeric(_ part: [UInt8]) -> Bool {
      !part.isEmpty && part.allSatisfy { Self.isDigit($0) || $0 == 0x2E } && Self.isDigit(part[0])
    }
    return numeric(before) && numeric(after)
  }

  /// `12um`, `4-6mm`: a number with a unit of length glued on.
  var hasUnitSuffix: Bool {
    let word = lowercaseCore
    return ["um", "mm", "cm"].contains { word.hasSuffix($0) } && word.first.map(\.isNumber) == true
  }
}
