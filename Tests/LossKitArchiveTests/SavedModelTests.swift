import Foundation
import LossKit
import Testing

@testable import LossKitArchive

@Suite struct SavedModelTests {
  @Test("save and reload: same predictions, same loss on a batch, same manifest")
  func roundTrip() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var options = Fixture.options(.bilstm, loss: "0.5*focal+0.5*focal-f1")
    options.focalLabels = ["Nomenclature", "Description"]
    let classifier = try Fixture.trained(options)
    let folder = directory.appendingPathComponent("model")
    try SavedModel.save(classifier, to: folder, metrics: ["test": ["macro_f1": 0.5]])
    let reloaded = try SavedModel.load(from: folder, registry: .standard)
    let corpus = try classifier.corpus(Fixture.test)
    #expect(try classifier.predictProbabilities(corpus) == reloaded.predictProbabilities(corpus))
    let batching = classifier.batching
    let (batch, targets, _) = batching.batch(batching.predictionUnits(corpus, stride: 8)[0..<3], corpus: corpus)
    let outputs = try classifier.model!.forward(batch, training: false)
    #expect(try classifier.loss(outputs, ["labels": targets]).value == reloaded.loss(outputs, ["labels": targets]).value)
    try SavedModel.save(reloaded, to: directory.appendingPathComponent("again"), metrics: ["test": ["macro_f1": 0.5]])
    #expect(try SavedModel.manifest(at: folder) == SavedModel.manifest(at: directory.appendingPathComponent("again")))
  }

  @Test("every built-in loss, a composite and a user-registered loss survive saving",
        arguments: ["cross-entropy", "weighted", "focal", "focal-f1", "0.7*focal+0.3*weighted", "hinge"])
  func losses(_ expression: String) throws {
    var registry = LossRegistry.standard
    try registry.register(MulticlassHinge.self)
    var options = Fixture.options(loss: expression, epochs: 1)
    if expression.contains("f1") { options.focalLabels = ["Nomenclature", "Description"] }
    if expression == "weighted" { options.weightStrategy = "inverse" }
    let classifier = try Fixture.trained(options, registry: registry)
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try SavedModel.save(classifier, to: directory.appendingPathComponent("m"))
    let reloaded = try SavedModel.load(from: directory.appendingPathComponent("m"), registry: registry)
    #expect(try LossSpec(reloaded.loss) == LossSpec(classifier.loss))
  }

  @Test("a model saved with a custom loss reloads for inference without it, and trains with it")
  func customLossReload() throws {
    var registry = LossRegistry.standard
    try registry.register(MulticlassHinge.self)
    let classifier = try Fixture.trained(Fixture.options(loss: "hinge"), registry: registry)
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let folder = directory.appendingPathComponent("m")
    try SavedModel.save(classifier, to: folder)
    do {
      _ = try SavedModel.load(from: folder, registry: .standard)
      Issue.record("expected an unknown-loss error")
    } catch let error as LossKitError {
      #expect(error.description.contains("unknown loss 'hinge'"))
      #expect(error.description.contains("registry.register(MyLoss.self)"))
    }
    let inference = try SavedModel.load(from: folder, registry: nil)
    let corpus = try classifier.corpus(Fixture.test)
    #expect(try inference.predictProbabilities(corpus) == classifier.predictProbabilities(corpus))
    #expect(inference.loss.registryName == "hinge")
    let training = try SavedModel.load(from: folder, registry: registry)
    #expect(throws: Never.self) { try training.resume(training: .annotated(Fixture.training), epochs: 1, observer: nil) }
  }

  @Test("resuming from a saved model is bit-identical to training straight through")
  func resume() throws {
    var options = Fixture.options(.bilstm, loss: "focal", epochs: 4)
    options.validationFraction = 0
    options.dropout = 0.3
    let straight = try Fixture.trained(options)
    options.epochs = 2
    let first = try Fixture.trained(options)
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try SavedModel.save(first, to: directory.appendingPathComponent("half"))
    let resumed = try SavedModel.load(from: directory.appendingPathComponent("half"), registry: .standard)
    _ = try resumed.resume(training: .annotated(Fixture.training), epochs: 2, observer: nil)
    #expect(resumed.epochsTrained == 4)
    #expect(zip(straight.model!.parameters, resumed.model!.parameters).allSatisfy { $0.value == $1.value })
  }

  @Test("damaged models give errors naming the file")
  func damagedModels() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let classifier = try Fixture.trained(Fixture.options(epochs: 1))
    func fresh(_ name: String) throws -> URL {
      let folder = directory.appendingPathComponent(name)
      try SavedModel.save(classifier, to: folder)
      return folder
    }
    func expectError(_ folder: URL, mentioning text: String) {
      do {
        _ = try SavedModel.load(from: folder, registry: .standard)
        Issue.record("expected an error for \(folder.lastPathComponent)")
      } catch {
        #expect("\(error)".contains(text), "\(error)")
      }
    }
    let truncated = try fresh("truncated")
    let weights = truncated.appendingPathComponent("weights.safetensors")
    let data = try Data(contentsOf: weights)
    try data.prefix(data.count / 2).write(to: weights)
    expectError(truncated, mentioning: weights.path)

    let missing = try fresh("missing")
    try FileManager.default.removeItem(at: missing.appendingPathComponent("weights.safetensors"))
    expectError(missing, mentioning: "weights.safetensors is missing")

    let format = try fresh("format")
    let manifest = format.appendingPathComponent("manifest.json")
    try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "losskit-model/1", with: "losskit-model/9")
      .write(to: manifest, atomically: true, encoding: .utf8)
    expectError(format, mentioning: "losskit-model/9")

    let shape = try fresh("shape")
    let shapeManifest = shape.appendingPathComponent("manifest.json")
    try String(contentsOf: shapeManifest, encoding: .utf8).replacingOccurrences(of: "\"buckets\" : 1024", with: "\"buckets\" : 512")
      .write(to: shapeManifest, atomically: true, encoding: .utf8)
    expectError(shape, mentioning: "has shape [1024, 3], but the model needs [512, 3]")
  }

  @Test("a failed write leaves the previous model intact and no temporary folder")
  func atomicWrites() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let classifier = try Fixture.trained(Fixture.options(epochs: 1))
    let folder = directory.appendingPathComponent("m")
    try SavedModel.save(classifier, to: folder)
    let before = try SavedModel.manifest(at: folder)
    struct Interrupted: Error {}
    #expect(throws: ArchiveError.self) {
      try AtomicFolder.write(to: folder) { temporary in
        try Data("partial".utf8).write(to: temporary.appendingPathComponent("manifest.json"))
        throw Interrupted()
      }
    }
    #expect(try SavedModel.manifest(at: folder) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["m"])
  }

  @Test("a model reloaded in a new process predicts the same", .enabled(if: FileManager.default.fileExists(atPath: Fixture.executable.path), "skipped: the losskit executable is not built"))
  func newProcess() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let classifier = try Fixture.trained(Fixture.options())
    try DirectoryStore(directory: directory).save(classifier, named: "synthetic")
    let page = directory.appendingPathComponent("page.txt")
    let lines = Fixture.test[0].lines.prefix(20).map(\.text)
    try lines.joined(separator: "\n").write(to: page, atomically: true, encoding: .utf8)
    let (output, status) = try Fixture.run(
      Fixture.executable, ["predict", "--model", "synthetic", "--data", page.path],
      environment: ["LOSSKIT_MODELS": directory.path])
    #expect(status == 0, "\(output)")
    let corpus = try classifier.corpus([AnnotatedDocument(path: "page", lines: lines.enumerated().map {
      AnnotatedLine(text: $1, label: "", rawLabel: "", lineNumber: $0 + 1) })])
    let probabilities = try classifier.predictProbabilities(corpus, calibrated: true)
    let expected = (0..<lines.count).map { row -> String in
      let scores = probabilities.scalars[(row * 3)..<((row + 1) * 3)]
      let best = scores.indices.max { scores[$0] < scores[$1] }! - row * 3
      return classifier.labelNames[best] + "\t" + scores.map { String(format: "%.6f", $0) }.joined(separator: "\t")
    }
    #expect(output.split(separator: "\n").map(String.init) == expected)
    let (first, _) = try Fixture.run(Fixture.executable, ["inspect", "synthetic"], environment: ["LOSSKIT_MODELS": directory.path])
    let (second, _) = try Fixture.run(Fixture.executable, ["inspect", directory.appendingPathComponent("synthetic").path + "/"])
    #expect(first == second && first.contains("Labels: Nomenclature, Description, Misc"))
  }
}

@Suite struct DirectoryStoreTests {
  @Test func saveListLoadDelete() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    let classifier = try Fixture.trained(Fixture.options(epochs: 1))
    try store.save(classifier, named: "first")
    try store.save(classifier, named: "second.v2")
    #expect(store.list().map(\.name) == ["first", "second.v2"])
    #expect(try store.load(named: "first", registry: .standard).labelNames == classifier.labelNames)
    try store.delete(named: "first")
    #expect(throws: ArchiveError.notFound(name: "first", store: directory.path, available: ["second.v2"])) {
      try store.load(named: "first", registry: nil)
    }
  }

  @Test("names cannot escape the store", arguments: ["../outside", ".hidden", "a/b", "", "x y"])
  func invalidNames(_ name: String) {
    #expect(throws: ArchiveError.self) { try DirectoryStore(directory: URL(fileURLWithPath: "/tmp")).url(for: name) }
  }

  @Test func locationsWithASlashArePaths() throws {
    let store = DirectoryStore(directory: URL(fileURLWithPath: "/store"))
    #expect(try store.location(of: "name").path == "/store/name")
    #expect(try store.location(of: "./models/name").path.hasSuffix("models/name"))
  }

  @Test func defaultDirectoryFollowsTheEnvironment() {
    #expect(DirectoryStore(environment: ["LOSSKIT_MODELS": "/custom"]).directory.path == "/custom")
    #expect(DirectoryStore(environment: [:]).directory.path.hasSuffix(".losskit/models"))
  }
}

/// A user loss for the tests: multi-class hinge, `mean max(0, 1 + max_{c≠y} z_c − z_y)`.
struct MulticlassHinge: Loss, Equatable {
  static let name = "hinge"
  static let version = 1
  static let summary = "multi-class hinge loss (a user loss in the tests)"
  var margin = 1.0
  var outputNames: Set<String> { ["logits"] }
  var targetNames: Set<String> { ["labels"] }

  func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let logits = try output("logits", in: outputs)
    let labels = try self.targets("labels", in: targets).classIndices ?? []
    let classes = logits.lastDimension
    let kept = labels.filter { $0 >= 0 }.count
    var total = 0.0
    gradients.write("logits", shape: logits.shape) { gradient, accumulate in
      if !accumulate { gradient.update(repeating: 0) }
      for (row, label) in labels.enumerated() where label >= 0 {
        let z = logits.scalars[(row * classes)..<((row + 1) * classes)]
        let rival = (0..<classes).filter { $0 != Int(label) }.max { z[row * classes + $0] < z[row * classes + $1] }!
        let violation = margin + Double(z[row * classes + rival] - z[row * classes + Int(label)])
        guard violation > 0 else { continue }
        total += violation
        gradient[row * classes + rival] += scale / Float(kept)
        gradient[row * classes + Int(label)] -= scale / Float(kept)
      }
    }
    return LossValue(kept > 0 ? total / Double(kept) : 0)
  }
}
