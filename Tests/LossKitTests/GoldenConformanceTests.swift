import Foundation
import LossKit
import Testing

@Suite struct GoldenConformanceTests {
  /// The committed fixtures: the peers' public cases and pytorch-crf's `crf` cases.
  static let files: [GoldenFile] = ["golden-public", "golden-crf"].map { name in
    let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")!
    return try! GoldenFile(contentsOf: url)
  }
  static let cases = files.flatMap(\.cases)

  @Test("every public golden case passes within its tolerances",
        arguments: GoldenConformanceTests.cases.map(\.name))
  func goldenCase(_ name: String) {
    let golden = Self.cases.first { $0.name == name }!
    let result = ConformanceRunner.run(golden)
    #expect(result.passed, "\(result.line)")
  }

  @Test func everyKindInTheFixtureIsKnown() {
    let kinds = Set(Self.cases.map(\.kind))
    #expect(kinds.isSubset(of: Set(ConformanceRunner.knownKinds)))
    #expect(kinds.count == ConformanceRunner.knownKinds.count)
  }

  @Test func anUnknownKindFailsWithTheKnownKinds() {
    var golden = Self.cases[0]
    golden.kind = "dice"
    let result = ConformanceRunner.run(golden)
    #expect(!result.passed)
    #expect(result.message!.contains("unknown case kind 'dice'"))
    #expect(result.message!.contains("softmax_focal"))
  }

  @Test func aWrongExpectationFails() {
    var golden = Self.cases.first { $0.kind == "softmax_focal" }!
    golden.expected.value! += 0.01
    #expect(!ConformanceRunner.run(golden).passed)
  }

  @Test func aWrongCRFGradientOrReductionFails() throws {
    var golden = Self.cases.first { $0.kind == "crf" && $0.name.contains("ragged") }!
    golden.expected.grad!["start_transitions"]!.data[0] += 0.01
    #expect(!ConformanceRunner.run(golden).passed)
    golden = Self.cases.first { $0.kind == "crf" }!
    golden.params["reduction"] = .string("batchmean")
    let result = ConformanceRunner.run(golden)
    #expect(!result.passed)
    #expect(result.message!.contains("mean, sum, token_mean"))
  }

  @Test func unreadableFilesNameThePath() {
    #expect(throws: ConformanceError.self) {
      try GoldenFile(contentsOf: URL(fileURLWithPath: "/nonexistent/golden.json"))
    }
  }
}
