import Foundation
import LossKitData
import Testing

@Suite struct LinePatternsTests {
  /// The detectors that fire on a line, by name.
  func fired(_ line: String) -> Set<String> {
    Set(zip(LinePatterns.names, LinePatterns.features(line)).filter { $0.1 > 0 }.map(\.0))
  }

  @Test(
    "nomenclature lines of journals the model never saw fire the binomial, author and citation detectors",
    arguments: [
      (
        "Crepidotus carpaticus Pilát, Hedwigia 69 (1929) 140. — Holotype: Ucrainia, …",
        ["binomial", "binomialAuthor", "reference", "yearInParentheses", "typeWord"]
      ),
      ("3. Crepidotus applanatus (Pers.) Kumm.", ["binomial", "binomialAuthor"]),
      (
        "Agaricus alveolus Lasch, Linnaea 4 (1829) 547 (no type).",
        ["binomial", "binomialAuthor", "reference", "yearInParentheses"]
      ),
      (
        "Patellaria pithya Karst. Fung. Fenn. No. 661. 1867.",
        ["binomial", "binomialAuthor", "endsWithYear", "abbreviations"]
      ),
      (
        "TYMPANIS CONFUSA Nyl. Obs. Pez. Fenn. p. 69. 1868.",
        [
          "binomial", "binomialAuthor", "reference", "endsWithYear", "abbreviations",
        ]
      ),
      (
        "Cenangella pithya Sacc. Syll. Fung. 8: 588. 1889.",
        [
          "binomial", "binomialAuthor", "reference", "endsWithYear", "abbreviations",
        ]
      ),
      ("4. Vibrissea strossmayerioides Korf & Iturriaga, n. sp.", ["binomial", "binomialAuthor"]),
      ("Dendrothele latenavicularis sp. nov.", ["binomial", "novelty"]),
      ("Tympanis amphiboloides var. hypopodiza Nyl.", ["binomial", "rank"]),
      ("≡ Agaricus albus Fr.", ["binomial", "binomialAuthor", "typeWord"]),
      ("4. Peronospora Plantaginis Burrill apud Underwood emend.", ["binomial", "binomialAuthor"]),
    ])
  func nomenclature(line: String, expected: [String]) {
    let names = fired(line)
    for name in expected { #expect(names.contains(name), "\(name) on \(line): \(names)") }
  }

  @Test(
    "description and running text do not look like nomenclature",
    arguments: [
      ("Pileus 8-25 cm broad, convex, smooth, brown.", ["measurement", "unit"]),
      ("Spores 13–19 × 4-6 µm, ellipsoid, smooth.", ["measurement", "unit"]),
      ("The species is common in the eastern United States.", []),
      ("Figure 3.", []),
      ("Mycologia 35: 620-628. 1943.", ["pageRange", "endsWithYear"]),
      ("7. Graff, P. W. The morphological and cytological development of", ["authorInitials"]),
      ("—— IV. A new species of Geaster. Mycologia 34: 13-16. 1942.", ["pageRange"]),
      ("Martin, G. W. 1948. New or noteworthy tropical fungi. IV.", ["authorInitials"]),
    ])
  func notNomenclature(line: String, expected: [String]) {
    let names = fired(line)
    #expect(!names.contains("binomialAuthor") && !names.contains("reference"), "\(line): \(names)")
    #expect(!names.contains("binomial"), "\(line): \(names)")
    for name in expected { #expect(names.contains(name), "\(name) on \(line): \(names)") }
  }

  @Test func everyValueIsInTheUnitInterval() {
    for line in [
      "", " ", "((((", "1. 2. 3.", "Ab cd Ef. (1999) 12: 3", String(repeating: "x ", count: 500),
    ] {
      let values = LinePatterns.features(line)
      #expect(values.count == LinePatterns.names.count)
      #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
  }
}

@Suite struct TextFoldingTests {
  @Test func diacriticsCaseAndLookalikesFold() {
    func folded(_ text: String, lowercase: Bool) -> String {
      String(decoding: TextFolding.fold(text, lowercase: lowercase), as: UTF8.self)
    }
    #expect(folded("Pilát Müll. Vězda", lowercase: false) == "Pilat Mull. Vezda")
    #expect(folded("TYMPANIS Socıery", lowercase: true) == "tympanis sociery")
    #expect(folded("13–19 × 4—6 µm ≡ “x” ß Æ", lowercase: false) == "13-19 x 4-6 um = \"x\" ss AE")
    #expect(folded("日本", lowercase: true) == "日本")
  }
}

@Suite struct LineFeaturizerOptionsTests {
  @Test("a featurizer saved before folding, shape n-grams and patterns decodes with them off")
  func oldFeaturizersKeepTheirFeatures() throws {
    let json =
      #"{"buckets": 4096, "wordNgrams": [1, 2], "characterNgrams": [3, 5], "layout": true}"#
    let old = try JSONDecoder().decode(LineFeaturizer.self, from: Data(json.utf8))
    #expect(!old.folding && old.shapeNgrams == 0 && !old.patterns)
    #expect(old.denseWidth == LineFeaturizer.layoutNames.count)
    let new = LineFeaturizer(buckets: 4096)
    #expect(new.denseWidth == LineFeaturizer.layoutNames.count + LinePatterns.names.count)
    let roundTrip = try JSONDecoder().decode(LineFeaturizer.self, from: JSONEncoder().encode(new))
    #expect(roundTrip == new)
  }

  @Test func foldingMakesCaseAndDiacriticsHashAlike() {
    let folding = LineFeaturizer(buckets: 1 << 16, shapeNgrams: 0)
    let plain = LineFeaturizer(buckets: 1 << 16, folding: false, shapeNgrams: 0)
    let words = { (f: LineFeaturizer, line: String) in Set(f.sparseFeatures(line).indices) }
    // Word shapes differ by case, so compare the overlap rather than equality.
    let a = words(folding, "TYMPANIS CONFUSA Pilát")
    let b = words(folding, "Tympanis confusa Pilat")
    #expect(Double(a.intersection(b).count) / Double(a.union(b).count) > 0.8)
    let c = words(plain, "TYMPANIS CONFUSA Pilát")
    let d = words(plain, "Tympanis confusa Pilat")
    #expect(Double(c.intersection(d).count) / Double(c.union(d).count) < 0.3)
  }

  @Test func shapeNgramsIgnoreTheNames() {
    let shapes = LineFeaturizer(
      buckets: 1 << 16, wordNgrams: 1...1, characterNgrams: 1...1, layout: false,
      folding: true, shapeNgrams: 3, patterns: false)
    let a = Set(
      shapes.sparseFeatures("Crepidotus carpaticus Pilát, Hedwigia 69 (1929) 140.").indices)
    let b = Set(shapes.sparseFeatures("Agaricus alveolus Lasch, Linnaea 47 (1829) 547.").indices)
    #expect(a.intersection(b).count >= 8)
  }

  @Test func shapeNgramOrdersAreChecked() {
    #expect(throws: (any Error).self) { try LineFeaturizer(shapeNgrams: 17).validate() }
    #expect(throws: (any Error).self) { try LineFeaturizer(shapeNgrams: -1).validate() }
  }
}

@Suite struct DocumentGroupingTests {
  let paths = [
    "/data/skol/Mycotaxon/Vol117/s1.ann", "/data/skol/Mycotaxon/Vol118/s2.ann",
    "/data/skol/Mycologia/Vol41/m.ann", "/data/skol/Mycotaxon/Vol117/s3.ann",
  ]

  @Test func journalsAreTheFirstFoldersBelowTheCommonOne() {
    #expect(
      DocumentGrouping.journal.keys(for: paths) == [
        "Mycotaxon", "Mycotaxon", "Mycologia", "Mycotaxon",
      ])
    #expect(
      DocumentGrouping.folder.keys(for: paths) == [
        "/data/skol/Mycotaxon/Vol117", "/data/skol/Mycotaxon/Vol118", "/data/skol/Mycologia/Vol41",
        "/data/skol/Mycotaxon/Vol117",
      ])
    #expect(DocumentGrouping.file.keys(for: paths) == paths)
  }

  @Test func groupedDataKeepsDocumentOrder() {
    let pages = LoadedData.annotated(paths.map { AnnotatedDocument(path: $0, lines: []) })
    let groups = pages.grouped(by: .journal)
    #expect(groups.map(\.name) == ["Mycotaxon", "Mycologia"])
    #expect(groups[0].data.documentPaths == [paths[0], paths[1], paths[3]])
    #expect(groups[1].data.documentPaths == [paths[2]])
  }
}
