import Foundation
import LossKitCore
import LossKitKernels

/// Turns lines of text into model features: hashed n-grams (sparse) and layout and pattern
/// measurements (dense). Deterministic: the same line gives the same features on every
/// machine and run.
///
/// Sparse features, each group L2-normalised (sub-linear counts `1 + ln n`):
/// - word n-grams (lower-cased tokens of letters and digits), ``wordNgrams`` (1…2);
/// - character n-grams of the line's bytes with `^`/`$` ends, ``characterNgrams`` (3…5);
/// - word shapes (`Agaricus` → `Xx`, `1995` → `d`, `(Fr.)` → `(Xx.)`);
/// - with ``shapeNgrams`` > 0, n-grams of consecutive tokens' length-capped shapes
///   (`Crepidotus carpaticus Pilát,` → `Xxxxx xxxx Xxxx,`, `(1929)` → `(dddd)`): the form of a
///   binomial with its author and year, whatever the names.
///
/// With ``folding``, word and character n-grams read the line case- and diacritic-folded
/// (``TextFolding``: `TYMPANIS CONFUSA` and `Tympanis confusa`, `Pilát` and `Pilat` hash
/// alike). Hashing is FNV-1a into ``buckets`` buckets. Dense layout features
/// (``layoutNames``) measure length, capitals, digits, punctuation, indentation and line ends,
/// each scaled to about `0…1`; with ``patterns``, the nomenclature, citation and measurement
/// detectors of ``LinePatterns`` follow them.
///
/// Models saved before folding, shape n-grams and patterns existed decode with all three off,
/// so they featurize exactly as they were trained.
public struct LineFeaturizer: Sendable, Codable, Equatable {
  /// The number of hash buckets (default 2¹⁸).
  public var buckets: Int
  /// Word n-gram orders (default 1…2).
  public var wordNgrams: ClosedRange<Int>
  /// Character n-gram orders (default 3…5).
  public var characterNgrams: ClosedRange<Int>
  /// Whether to add the dense layout features (default true).
  public var layout: Bool
  /// Whether word and character n-grams read case- and diacritic-folded text (default true).
  public var folding: Bool
  /// The largest order of token-shape n-grams, 0 for none (default 3).
  public var shapeNgrams: Int
  /// Whether to add the ``LinePatterns`` detectors as dense features (default true).
  public var patterns: Bool

  /// Creates a featurizer.
  public init(
    buckets: Int = 1 << 18, wordNgrams: ClosedRange<Int> = 1...2,
    characterNgrams: ClosedRange<Int> = 3...5, layout: Bool = true, folding: Bool = true,
    shapeNgrams: Int = 3, patterns: Bool = true
  ) {
    self.buckets = buckets
    self.wordNgrams = wordNgrams
    self.characterNgrams = characterNgrams
    self.layout = layout
    self.folding = folding
    self.shapeNgrams = shapeNgrams
    self.patterns = patterns
  }

  /// Decodes a featurizer; the options added after the first saved models (``folding``,
  /// ``shapeNgrams``, ``patterns``) are off when absent, as those models were trained.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    buckets = try container.decode(Int.self, forKey: .buckets)
    wordNgrams = try container.decode(ClosedRange<Int>.self, forKey: .wordNgrams)
    characterNgrams = try container.decode(ClosedRange<Int>.self, forKey: .characterNgrams)
    layout = try container.decode(Bool.self, forKey: .layout)
    folding = try container.decodeIfPresent(Bool.self, forKey: .folding) ?? false
    shapeNgrams = try container.decodeIfPresent(Int.self, forKey: .shapeNgrams) ?? 0
    patterns = try container.decodeIfPresent(Bool.self, forKey: .patterns) ?? false
  }

  /// Checks the sizes before they size anything: 1…2²⁶ buckets, n-gram orders in 1…16,
  /// shape n-grams up to 0…16.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` naming the field.
  public func validate() throws {
    guard (1...(1 << 26)).contains(buckets) else {
      throw LossKitError.invalidParameter(
        loss: "featurizer", name: "buckets", reason: "\(buckets) is not in 1…\(1 << 26)")
    }
    for (name, range) in [("wordNgrams", wordNgrams), ("characterNgrams", characterNgrams)]
    where range.lowerBound < 1 || range.upperBound > 16 {
      throw LossKitError.invalidParameter(
        loss: "featurizer", name: name,
        reason: "\(range.lowerBound)…\(range.upperBound) is not within 1…16")
    }
    guard (0...16).contains(shapeNgrams) else {
      throw LossKitError.invalidParameter(
        loss: "featurizer", name: "shapeNgrams", reason: "\(shapeNgrams) is not in 0…16")
    }
  }

  /// The names of the dense layout features, in order.
  public static let layoutNames = [
    "length", "words", "capitals", "digits", "punctuation", "indentation", "startsUpper",
    "startsDigit", "endsPeriod", "endsComma", "endsDigit", "year", "capitalizedWords",
    "parenthesis", "colon", "startsEquals", "short", "allCapsWords",
  ]

  /// The names of the dense features, in order: the layout features, then the patterns.
  public var denseNames: [String] {
    (layout ? Self.layoutNames : []) + (patterns ? LinePatterns.names : [])
  }

  /// The number of dense features per line.
  public var denseWidth: Int {
    (layout ? Self.layoutNames.count : 0) + (patterns ? LinePatterns.names.count : 0)
  }

  /// Features for many lines, computed on every core.
  public func featurize(_ lines: [String]) -> FeaturizedLines {
    let count = lines.count
    let parts = UnsafeMutableBufferPointer<(indices: [Int32], values: [Float], dense: [Float])>
      .allocate(capacity: count)
    defer { parts.deallocate() }
    let output = SendablePointer(parts.baseAddress!)
    let featurizer = self
    lines.withUnsafeBufferPointer { lineBuffer in
      let input = SendablePointer(lineBuffer.baseAddress!)
      Parallel.forEachChunk(count: count, grain: 512) { _, range in
        for index in range {
          let (indices, values) = featurizer.sparseFeatures(input.base[index])
          (output.base + index).initialize(
            to: (indices, values, featurizer.denseFeatures(input.base[index])))
        }
      }
    }
    var offsets = [0]
    offsets.reserveCapacity(count + 1)
    var indices: [Int32] = []
    var values: [Float] = []
    var dense: [Float] = []
    for index in 0..<count {
      indices += parts[index].indices
      values += parts[index].values
      dense += parts[index].dense
      offsets.append(indices.count)
    }
    (parts.baseAddress!).deinitialize(count: count)
    return FeaturizedLines(
      sparse: SparseRows(width: buckets, offsets: offsets, indices: indices, values: values),
      dense: try! Tensor(shape: [count, denseWidth], scalars: dense))
  }

  /// The hashed sparse features of one line: sorted unique bucket indices and their values.
  public func sparseFeatures(_ line: String) -> (indices: [Int32], values: [Float]) {
    let bytes = folding ? TextFolding.fold(line, lowercase: true) : Array(line.utf8)
    var groups: [[UInt64]] = [[], [], [], []]
    let words = Self.words(bytes)
    for n in wordNgrams where n <= words.count {
      for start in 0...(words.count - n) {
        var hash = Self.fnvOffset ^ UInt64(0x77_00 + n)
        for (position, word) in words[start..<(start + n)].enumerated() {
          if position > 0 { hash = Self.fnv(hash, 0x20) }
          for byte in word { hash = Self.fnv(hash, Self.lowercase(byte)) }
        }
        groups[0].append(hash)
      }
    }
    let trimmed = Array(bytes.drop { $0 == 0x20 || $0 == 0x09 })
    let framed: [UInt8] = [0x5E] + trimmed + [0x24]  // ^line$
    for n in characterNgrams where n <= framed.count {
      for start in 0...(framed.count - n) {
        var hash = Self.fnvOffset ^ UInt64(0x63_00 + n)
        for byte in framed[start..<(start + n)] { hash = Self.fnv(hash, byte) }
        groups[1].append(hash)
      }
    }
    let original = Array(line.utf8)
    let tokens = original.drop { $0 == 0x20 || $0 == 0x09 }
      .split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
    for token in tokens {
      var hash = Self.fnvOffset ^ 0x73_68
      var last: UInt8 = 0
      for byte in token {
        let shape = Self.shape(byte)
        if shape != last { hash = Self.fnv(hash, shape) }
        last = shape
      }
      groups[2].append(hash)
    }
    if shapeNgrams > 0 {
      let shapes = TextFolding.fold(line, lowercase: false)
        .split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
        .map(Self.cappedShape)
      for n in 1...shapeNgrams where n <= shapes.count {
        for start in 0...(shapes.count - n) {
          var hash = Self.fnvOffset ^ UInt64(0x5A_00 + n)
          for (position, shape) in shapes[start..<(start + n)].enumerated() {
            if position > 0 { hash = Self.fnv(hash, 0x20) }
            for byte in shape { hash = Self.fnv(hash, byte) }
          }
          groups[3].append(hash)
        }
      }
    }
    var entries: [(Int32, Float)] = []
    for group in groups where !group.isEmpty {
      let buckets = group.map { Int32(truncatingIfNeeded: $0 % UInt64(self.buckets)) }.sorted()
      var counted: [(Int32, Float)] = []
      for bucket in buckets {
        if let last = counted.last, last.0 == bucket {
          counted[counted.count - 1].1 += 1
        } else {
          counted.append((bucket, 1))
        }
      }
      let weighted = counted.map { ($0.0, 1 + Foundation.log($0.1)) }
      let norm = weighted.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
      entries += weighted.map { ($0.0, $0.1 / norm) }
    }
    entries.sort { $0.0 < $1.0 }
    var indices: [Int32] = []
    var values: [Float] = []
    for (index, value) in entries {
      if indices.last == index {
        values[values.count - 1] += value
      } else {
        indices.append(index)
        values.append(value)
      }
    }
    return (indices, values)
  }

  /// The dense features of one line: the layout features, then the patterns (each when on).
  public func denseFeatures(_ line: String) -> [Float] {
    layoutFeatures(line) + (patterns ? LinePatterns.features(line) : [])
  }

  /// The dense layout features of one line (empty when ``layout`` is off).
  public func layoutFeatures(_ line: String) -> [Float] {
    guard layout else { return [] }
    let bytes = Array(line.utf8)
    let indentation = bytes.prefix { $0 == 0x20 || $0 == 0x09 }.count
    let body = bytes.dropFirst(indentation)
    let trimmed = Array(body.reversed().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }.reversed())
    let letters = trimmed.filter { Self.isLetter($0) }
    let capitals = letters.filter { $0 >= 0x41 && $0 <= 0x5A }.count
    let digits = trimmed.filter { $0 >= 0x30 && $0 <= 0x39 }.count
    let visible = max(trimmed.filter { $0 != 0x20 }.count, 1)
    let punctuation = trimmed.filter { Self.isPunctuation($0) }.count
    let words = trimmed.split { $0 == 0x20 || $0 == 0x09 }
    let capitalized = words.filter { $0.first.map { $0 >= 0x41 && $0 <= 0x5A } ?? false }.count
    let allCaps = words.filter { word in
      word.count > 1 && word.allSatisfy { !($0 >= 0x61 && $0 <= 0x7A) }
        && word.contains { $0 >= 0x41 && $0 <= 0x5A }
    }.count
    let first = trimmed.first ?? 0
    let last = trimmed.last ?? 0
    let text = String(decoding: trimmed, as: UTF8.self)
    let hasYear = text.range(of: #"\b(1[5-9]|20)\d\d\b"#, options: .regularExpression) != nil
    func flag(_ condition: Bool) -> Float { condition ? 1 : 0 }
    let wordCount = max(words.count, 1)
    return [
      Float(min(trimmed.count, 120)) / 120,
      Float(min(words.count, 25)) / 25,
      letters.isEmpty ? 0 : Float(capitals) / Float(letters.count),
      Float(digits) / Float(visible),
      Float(punctuation) / Float(visible),
      Float(min(indentation, 20)) / 20,
      flag(first >= 0x41 && first <= 0x5A),
      flag(first >= 0x30 && first <= 0x39),
      flag(last == 0x2E),
      flag(last == 0x2C),
      flag(last >= 0x30 && last <= 0x39),
      flag(hasYear),
      Float(capitalized) / Float(wordCount),
      flag(trimmed.contains(0x28)),
      flag(trimmed.contains(0x3A)),
      flag(first == 0x3D || text.hasPrefix("≡")),
      flag(trimmed.count < 40),
      Float(allCaps) / Float(wordCount),
    ]
  }

  static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325

  @inline(__always)
  static func fnv(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
    (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
  }

  @inline(__always)
  static func lowercase(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte + 32 : byte
  }

  static func isLetter(_ byte: UInt8) -> Bool {
    (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte >= 0x80
  }

  static func isPunctuation(_ byte: UInt8) -> Bool {
    (byte >= 0x21 && byte <= 0x2F) || (byte >= 0x3A && byte <= 0x40)
      || (byte >= 0x5B && byte <= 0x60) || (byte >= 0x7B && byte <= 0x7E)
  }

  /// Letters (any case, and non-ASCII bytes) and digits form words.
  static func words(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    bytes.split { !(isLetter($0) || ($0 >= 0x30 && $0 <= 0x39)) }
  }

  /// A token's shape with runs of one class capped at four: `Crepidotus` → `Xxxxx`, `140.` →
  /// `ddd.`, `(1929)` → `(dddd)`, `Pilat,` → `Xxxx,`.
  static func cappedShape(_ token: ArraySlice<UInt8>) -> [UInt8] {
    var shape: [UInt8] = []
    var last: UInt8 = 0
    var run = 0
    for byte in token {
      let kind = Self.shape(byte)
      run = kind == last ? run + 1 : 1
      last = kind
      if run <= 4 { shape.append(kind) }
    }
    return shape
  }

  /// A byte's shape class: `X` capital, `x` lower-case or other letter, `d` digit, itself
  /// otherwise.
  static func shape(_ byte: UInt8) -> UInt8 {
    if byte >= 0x41 && byte <= 0x5A { return 0x58 }
    if isLetter(byte) { return 0x78 }
    if byte >= 0x30 && byte <= 0x39 { return 0x64 }
    return byte
  }
}

/// Featurized lines: sparse hashed features and dense layout features, one row per line.
public struct FeaturizedLines: Sendable {
  /// The sparse features.
  public var sparse: SparseRows
  /// The dense features `[lines, denseWidth]`.
  public var dense: Tensor

  /// Creates featurized lines.
  public init(sparse: SparseRows, dense: Tensor) {
    self.sparse = sparse
    self.dense = dense
  }
}
