import Foundation
import LossKitData
import Testing

@Suite struct AnnReaderTests {
  let text = """
    [@MYCOTAXON#Misc-exposition*]

    [@Agaricus alba Fr. 1821
    ≡ Agaricus albus#Nomenclature*]
    unlabelled text between blocks
    [@Pileus 3–5 cm, convex.

       Stipe white.#Description*]
    [@Notes on a genus.
    [@A. Author and B. Author 12#Misc-exposition*]
    """

  @Test func blocksGiveLabelledLines() throws {
    let document = try AnnReader.parse(text, path: "page.ann")
    #expect(document.lines.map(\.label) == [
      "Misc", "Nomenclature", "Nomenclature", "Description", "Description", "Misc", "Misc",
    ])
    #expect(document.lines[1].text == "Agaricus alba Fr. 1821")
    #expect(document.lines[1].rawLabel == "Nomenclature")
    #expect(document.lines[4].text == "   Stipe white.")
    #expect(document.lines[4].lineNumber == 8)
  }

  @Test("an opening marker inside an open block is text, as in the SKOL pages")
  func nestedOpening() throws {
    let document = try AnnReader.parse(text, path: "page.ann")
    #expect(document.lines.last!.text == "A. Author and B. Author 12")
  }

  @Test func collapsingIsConfigurable() throws {
    let document = try AnnReader.parse(text, path: "page.ann", collapsing: .none)
    #expect(document.lines[0].label == "Misc-exposition")
    let renamed = LabelCollapsing(kept: ["Nomenclature", "Description"], other: "Other", renames: ["Misc-exposition": "Description"])
    #expect(try AnnReader.parse(text, path: "p", collapsing: renamed).lines[0].label == "Description")
  }

  @Test("an unclosed block names the file and the line where it opened")
  func unclosedBlock() {
    let broken = "[@Title#Misc*]\nline\n[@Agaricus alba\nmore text without an end"
    #expect(throws: DataError.unclosedBlock(path: "broken.ann", line: 3)) {
      try AnnReader.parse(broken, path: "broken.ann")
    }
    #expect(DataError.unclosedBlock(path: "broken.ann", line: 3).description.contains("broken.ann:3"))
  }

  @Test func missingFileIsUnreadable() {
    #expect(throws: DataError.self) { try AnnReader.read(URL(fileURLWithPath: "/nonexistent.ann")) }
  }

  @Test("the SKOL pages give the README's line counts",
        .enabled(if: SharedData.isAvailable, "skipped: ../shared/data/skol is not present"))
  func skolCounts() throws {
    let files = try FileMatching.expand([SharedData.skol.appendingPathComponent("Mycotaxon/Vol119").path])
    var counts: [String: Int] = [:]
    for file in files {
      for line in try AnnReader.read(file).lines { counts[line.label, default: 0] += 1 }
    }
    #expect(counts == ["Nomenclature": 256, "Description": 2134, "Misc": 13605])
  }
}

@Suite struct CSVReaderTests {
  @Test func headerAndRecords() throws {
    let table = try CSVReader.parse("a,b,label\n1,2,x\n3.5,-1,y\n\n", path: "t.csv")
    #expect(table.header == ["a", "b", "label"])
    #expect(table.records == [["1", "2", "x"], ["3.5", "-1", "y"]])
    #expect(try table.numbers(record: 1, columns: [0, 1]) == [3.5, -1])
  }

  @Test("RFC 4180: quoted fields hold commas, doubled quotes and newlines")
  func quotedFields() throws {
    let table = try CSVReader.parse(
      "class,review,v\r\n\"a, b\",\"say \"\"hi\"\"\nand go\",1\r\nc,plain,2\r\n", path: "t.csv")
    #expect(table.records.map { $0[0] } == ["a, b", "c"])
    #expect(table.records[0][1] == "say \"hi\"\nand go")
    #expect(table.records[1][2] == "2")
  }

  @Test("a ragged record names the file and record")
  func raggedRow() {
    #expect(throws: DataError.raggedRow(path: "t.csv", line: 3, expected: 3, found: 2)) {
      try CSVReader.parse("a,b,label\n1,2,x\n3,y\n", path: "t.csv")
    }
  }

  @Test func nonNumericFeature() throws {
    let table = try CSVReader.parse("a,label\nabc,x\n", path: "t.csv")
    #expect(throws: DataError.notANumber(path: "t.csv", line: 2, column: "a", value: "abc")) {
      try table.numbers(record: 0, columns: [0])
    }
  }

  @Test func missingColumn() throws {
    let table = try CSVReader.parse("a,b\n1,2\n", path: "t.csv")
    #expect(throws: DataError.missingColumn(path: "t.csv", column: "class", available: ["a", "b"])) {
      try table.column("class")
    }
  }

  @Test func unterminatedQuoteIsAnError() {
    #expect(throws: DataError.self) { try CSVReader.parse("a,b\n\"1,2\n", path: "t.csv") }
  }
}

@Suite struct LabelViewTests {
  @Test("collapsed, fine and all views of raw labels")
  func views() {
    let counts = ["Nomenclature": 300, "Description": 900, "Key": 250, "Table": 20, "Misc-exposition": 5000]
    #expect(LabelView.named("collapsed").labelNames(counts: counts) == ["Nomenclature", "Description", "Misc"])
    let fine = LabelView.named("fine")
    #expect(fine.labelNames(counts: counts) == ["Description", "Key", "Misc-exposition", "Nomenclature", "Misc"])
    let names = Set(fine.labelNames(counts: counts))
    #expect(fine.label(for: "Table", among: names) == "Misc")
    #expect(fine.label(for: "Key", among: names) == "Key")
    #expect(fine.label(for: "", among: names) == nil)
    #expect(LabelView.named("fine", minimumLines: 1000).labelNames(counts: counts) == ["Misc-exposition", "Misc"])
    #expect(LabelView.named("all").labelNames(counts: counts).count == 5)
    #expect(LabelView.named("battery_label") == .column("battery_label"))
  }

  @Test("head specifications parse NAME=VIEW and reject the rest",
        arguments: ["kind", "=fine", "kind=", "bad name=fine", "a.b=fine"])
  func badHeads(_ text: String) {
    #expect(throws: DataError.self) { try HeadSpecification(parsing: text) }
  }

  @Test func goodHead() throws {
    #expect(try HeadSpecification(parsing: "section=fine", minimumLines: 50)
      == HeadSpecification(name: "section", view: .frequent(minimumLines: 50, other: "Misc")))
  }
}

@Suite struct FileMatchingTests {
  @Test func globsDirectoriesAndErrors() throws {
    let root = try SharedData.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    for path in ["Vol1/a.ann", "Vol1/b.ann", "Vol2/c.ann", "Other/d.ann", "Vol1/notes.txt"] {
      let url = root.appendingPathComponent(path)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try "x".write(to: url, atomically: true, encoding: .utf8)
    }
    func names(_ patterns: [String]) throws -> [String] {
      try FileMatching.expand(patterns.map { root.path + "/" + $0 }).map(\.lastPathComponent)
    }
    #expect(try names(["Vol*"]) == ["a.ann", "b.ann", "c.ann"])
    #expect(try names(["Vol1/*.ann"]) == ["a.ann", "b.ann"])
    #expect(try names(["**/*.ann"]) == ["d.ann", "a.ann", "b.ann", "c.ann"])
    #expect(try names(["Other", "Other/d.ann"]) == ["d.ann"])
    #expect(throws: DataError.noMatch(pattern: root.path + "/Vol9*")) { try names(["Vol9*"]) }
  }
}

@Suite struct LineFeaturizerTests {
  let featurizer = LineFeaturizer(buckets: 1 << 12)

  @Test func featuresAreDeterministicSortedAndNormalised() {
    let line = "  Agaricus alba Fr. 1821, sp. nov."
    let (indices, values) = featurizer.sparseFeatures(line)
    #expect(featurizer.sparseFeatures(line).indices == indices)
    #expect(indices == indices.sorted() && Set(indices).count == indices.count)
    #expect(indices.allSatisfy { $0 >= 0 && $0 < 1 << 12 })
    // Four groups (words, characters, shapes, shape n-grams), each of unit length.
    let squares = values.reduce(0) { $0 + $1 * $1 }
    #expect(abs(squares - 4) < 0.2)
  }

  @Test func layoutFeaturesMeasureTheLine() {
    let features = featurizer.layoutFeatures("    Pileus 3–5 cm, convex, 1999.")
    #expect(features.count == LineFeaturizer.layoutNames.count)
    #expect(features.allSatisfy { $0 >= 0 && $0 <= 1 })
    let named = Dictionary(uniqueKeysWithValues: zip(LineFeaturizer.layoutNames, features))
    #expect(named["indentation"]! == 0.2)
    #expect(named["endsPeriod"]! == 1 && named["year"]! == 1 && named["startsUpper"]! == 1)
  }

  @Test func batchesOfLinesMatchSingleLines() {
    let lines = ["Agaricus alba", "", "Pileus white.", "Table 2"]
    let batch = featurizer.featurize(lines)
    #expect(batch.sparse.rowCount == 4 && batch.dense.shape == [4, featurizer.denseWidth])
    for (row, line) in lines.enumerated() {
      let range = batch.sparse.offsets[row]..<batch.sparse.offsets[row + 1]
      #expect(Array(batch.sparse.indices[range]) == featurizer.sparseFeatures(line).indices)
    }
  }
}

@Suite struct SyntheticPagesTests {
  @Test func deterministicAndImbalanced() {
    let pages = SyntheticPages(pages: 20, linesPerPage: 300, seed: 3)
    #expect(pages.documents() == pages.documents())
    let labels = pages.documents().flatMap { $0.lines.map(\.label) }
    let counts = Dictionary(grouping: labels, by: { $0 }).mapValues(\.count)
    let rare = Double(counts["Nomenclature"] ?? 0)
    #expect(rare > 0)
    #expect(Double(counts["Description"]!) / rare > 5 && Double(counts["Description"]!) / rare < 20)
    #expect(Double(counts["Misc"]!) / rare > 60)
    #expect(SyntheticPages(seed: 4).documents() != SyntheticPages(seed: 5).documents())
  }
}
