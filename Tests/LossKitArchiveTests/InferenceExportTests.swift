import Foundation
import LossKit
import Testing

/// `InferenceExport` and single-file models.
@Suite struct InferenceExportTests {
  /// A BiLSTM trained with Adam, keeping its best epoch's weights and the last epoch's.
  static func trained() throws -> TrainedModel {
    var options = Fixture.options("bilstm", epochs: 3)
    options.trainer.patience = 1
    let classifier = try LineClassifier(options, registry: .standard)
    _ = try classifier.fit(
      training: .annotated(Fixture.training), validation: .annotated(Fixture.test), observer: nil)
    return classifier.trained!
  }

  @Test("an export drops the optimizer state and last weights: at most 40 % of the save")
  func exportIsSmall() throws {
    let trained = try Self.trained()
    let full = try SavedModel.encode(trained)
    let export = try InferenceExport(trained, registry: .standard)
    #expect(Double(export.files.byteCount) <= 0.4 * Double(full.byteCount))
    let tensors = try Safetensors.decode(export.files["weights.safetensors"]!, path: "w").tensors
    #expect(tensors.keys.allSatisfy { $0.hasPrefix("model/") })
    let reloaded = try SavedModel.decode(
      export.files, source: "export", registry: .standard, for: .inference)
    let lines = Fixture.unlabelled(Fixture.test)
    #expect(
      try reloaded.probabilities(try reloaded.corpus(lines, labelled: false))["labels"]!.scalars
        == trained.probabilities(try trained.corpus(lines, labelled: false))["labels"]!.scalars)
    #expect(throws: ArchiveError.self) {
      try SavedModel.decode(export.files, source: "export", registry: .standard, for: .training)
    }
  }

  @Test("float16 halves the export again and reports how far the macro F1 moved")
  func float16() throws {
    let trained = try Self.trained()
    let single = try InferenceExport(trained, registry: .standard)
    let half = try InferenceExport(
      trained, elementType: .float16, checkingOn: .annotated(Fixture.test), registry: .standard)
    let weights = { (export: InferenceExport) in Double(export.files["weights.safetensors"]!.count)
    }
    #expect(weights(half) < 0.55 * weights(single))
    let check = try #require(half.check)
    #expect(check.rowCount == Fixture.test.reduce(0) { $0 + $1.lines.count })
    #expect(check.largestChange <= InferenceExport.defaultTolerance)
    #expect(check.description.contains("→"))
    let reloaded = try SavedModel.decode(
      half.files, source: "f16", registry: .standard, for: .inference)
    let report = try reloaded.evaluate(try reloaded.corpus(.annotated(Fixture.test)))["labels"]!
    #expect(report.macroF1 == check.heads[0].after)
  }

  @Test("float16 without data, or moving the F1 more than allowed, is refused")
  func float16Refusals() throws {
    let trained = try Self.trained()
    #expect(throws: ExportError.float16NeedsData) {
      try InferenceExport(trained, elementType: .float16, registry: .standard)
    }
    // No change is below a negative tolerance, so the check refuses whatever float16 does.
    #expect {
      try InferenceExport(
        trained, elementType: .float16, checkingOn: .annotated(Fixture.test), tolerance: -1,
        registry: .standard)
    } throws: { error in
      guard case ExportError.float16ChangedF1(let check, _) = error else { return false }
      return "\(error)".contains("nothing was written") && check.heads.count == 1
    }
  }

  @Test("a single file holds the manifest in its metadata and splits back to the same model")
  func singleFile() throws {
    let trained = try Self.trained()
    let export = try InferenceExport(trained, registry: .standard)
    let buffer = try SingleFileModel.join(export.files)
    let files = try SingleFileModel.split(buffer, path: "model.safetensors")
    #expect(files["manifest.json"] == export.files["manifest.json"])
    let weights = try Safetensors.decode(buffer, path: "model.safetensors")
    #expect(
      weights.metadata[SingleFileModel.manifestKey].map { Data($0.utf8) } == files["manifest.json"])
    #expect(
      weights.tensors
        == (try Safetensors.decode(export.files["weights.safetensors"]!, path: "w").tensors))
    let model = try SavedModel.decode(
      files, source: "model.safetensors", registry: .standard, for: .inference)
    #expect(model.targets == trained.targets)
  }

  @Test("joining bundled libraries, or splitting what is not a single-file model, fails")
  func singleFileErrors() throws {
    var files = try InferenceExport(try Self.trained(), registry: .standard).files
    let plain = try Safetensors.encode(["w": try Tensor(shape: [1], scalars: [1])])
    #expect {
      try SingleFileModel.split(plain, path: "plain.safetensors")
    } throws: { "\($0)".contains("without a LossKit manifest") }
    #expect {
      try SingleFileModel.split(Data([255, 255, 255, 255, 0, 0, 0, 0, 1]), path: "junk")
    } throws: { "\($0)".contains("junk") && "\($0)".contains("header") }
    files["plugins/libbrier.so"] = Data([1, 2, 3])
    #expect {
      try SingleFileModel.join(files)
    } throws: { "\($0)".contains("bundled loss libraries") }
  }
}
