import Foundation
import LossKit
import Testing

@testable import LossKitArchive

@Suite struct SavedModelTests {
  @Test("save and reload: same predictions, same loss on a batch, same manifest")
  func roundTrip() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var options = Fixture.options("bilstm", loss: "0.5*focal+0.5*focal-f1")
    options.loss.options = ["focalLabels": ["Nomenclature", "Description"]]
    let trained = try Fixture.trained(options)
    trained.metrics = ["test": ["macro_f1": 0.5]]
    let folder = directory.appendingPathComponent("model")
    try SavedModel.save(trained, to: folder)
    let reloaded = try SavedModel.load(from: folder, registry: .standard, for: .training)
    #expect(try Fixture.probabilities(trained, Fixture.test) == Fixture.probabilities(reloaded, Fixture.test))
    let corpus = try trained.corpus(.annotated(Fixture.test))
    let batching = trained.batching
    let (batch, targets, _) = batching.batch(batching.predictionUnits(corpus)[0..<3], corpus: corpus)
    let outputs = try trained.model.forward(batch, training: false)
    #expect(try trained.loss(outputs, targets).value == reloaded.loss(outputs, targets).value)
    try SavedModel.save(reloaded, to: directory.appendingPathComponent("again"))
    #expect(try SavedModel.manifest(at: folder) == SavedModel.manifest(at: directory.appendingPathComponent("again")))
  }

  @Test("every built-in loss, a composite and a user-registered loss survive saving",
        arguments: ["cross-entropy", "weighted", "focal", "focal-f1", "0.7*focal+0.3*weighted", "hinge",
                    "focal(gamma=1.5, strategy=balanced)"])
  func losses(_ expression: String) throws {
    var registry = Registry.standard
    try registry.register(MulticlassHinge.self)
    var options = Fixture.options(loss: expression, epochs: 1)
    if expression.contains("f1") { options.loss.options["focalLabels"] = ["Nomenclature", "Description"] }
    if expression == "weighted" { options.loss.options["strategy"] = "inverse" }
    let trained = try Fixture.trained(options, registry: registry)
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try SavedModel.save(trained, to: directory.appendingPathComponent("m"))
    let reloaded = try SavedModel.load(from: directory.appendingPathComponent("m"), registry: registry, for: .training)
    #expect(try LossSpec(reloaded.loss) == LossSpec(trained.loss))
  }

  @Test("a model saved with a custom loss reloads for inference without it, and trains with it")
  func customLossReload() throws {
    var registry = Registry.standard
    try registry.register(MulticlassHinge.self)
    let trained = try Fixture.trained(Fixture.options(loss: "hinge"), registry: registry)
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let folder = directory.appendingPathComponent("m")
    try SavedModel.save(trained, to: folder)
    do {
      _ = try SavedModel.load(from: folder, registry: .standard, for: .training)
      Issue.record("expected an unknown-loss error")
    } catch let error as ArchiveError {
      #expect(error.description.contains(folder.appendingPathComponent("manifest.json").path))
      #expect(error.description.contains("unknown loss 'hinge'"))
      #expect(error.description.contains("registry.register(MyLoss.self)"))
      #expect(error.description.contains("--plugin"))
    }
    let inference = try SavedModel.load(from: folder, registry: .standard, for: .inference)
    #expect(try Fixture.probabilities(inference, Fixture.test) == Fixture.probabilities(trained, Fixture.test))
    #expect(inference.loss.registryName == "hinge" && inference.optimizer == nil)
    let again = try SavedModel.load(from: folder, registry: registry, for: .training)
    let classifier = try LineClassifier(resuming: again, registry: registry)
    #expect(throws: Never.self) {
      try classifier.resume(training: .annotated(Fixture.training), epochs: 1, observer: nil)
    }
  }

  @Test("resuming from a saved model is bit-identical to training straight through",
        arguments: ["bilstm", "mlp"])
  func resume(kind: String) throws {
    var options = Fixture.options(kind, loss: "focal", epochs: 4)
    options.modelOptions["dropout"] = 0.3
    options.trainer.patience = nil
    let straight = try Fixture.trained(options)
    options.trainer.epochs = 2
    let first = try Fixture.trained(options)
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try SavedModel.save(first, to: directory.appendingPathComponent("half"))
    let resumed = try SavedModel.load(from: directory.appendingPathComponent("half"), registry: .standard, for: .training)
    let classifier = try LineClassifier(resuming: resumed, registry: .standard)
    _ = try classifier.resume(training: .annotated(Fixture.training), epochs: 2, observer: nil)
    #expect(resumed.state.epochsTrained == 4)
    #expect(resumed.state.best == straight.state.best)
    #expect(resumed.state.history.epochs.map(\.loss) == straight.state.history.epochs.map(\.loss))
    #expect(zip(straight.model.parameters, resumed.model.parameters).allSatisfy { $0.value == $1.value })
    #expect(resumed.state.lossHistory.map(\.firstEpoch) == [1, 3])
  }

  @Test("a losskit-model/1 model saved by the previous version loads and predicts the same",
        arguments: ["logistic", "bilstm"])
  func versionOneModels(kind: String) throws {
    let fixtures = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures")
    let expected = try JSONDecoder().decode(
      [String: [Float]].self,
      from: Data(contentsOf: fixtures.appendingPathComponent("v1-expected-probabilities.json")))
    let folder = fixtures.appendingPathComponent("v1-\(kind)")
    let page = SyntheticPages(pages: 1, linesPerPage: 40, seed: 9).documents()
    let inference = try SavedModel.load(from: folder, registry: .standard, for: .inference)
    // Equal to rounding, not bit for bit: the kernels' instruction set (portable or AVX2 with
    // fused multiply-adds) is chosen at run time, so the last bits depend on the CPU.
    let probabilities = try Fixture.probabilities(inference, page)
    #expect(probabilities.count == expected[kind]!.count)
    #expect(zip(probabilities, expected[kind]!).allSatisfy { abs($0 - $1) <= 1e-5 })
    #expect(inference.targets == [TargetDefinition(
      name: "labels", view: .collapsed(.skol), labels: ["Nomenclature", "Description", "Misc"])])
    let training = try SavedModel.load(from: folder, registry: .standard, for: .training)
    #expect(training.state.epochsTrained == 2 && training.optimizer?.stepCount ?? 0 > 0)
    let classifier = try LineClassifier(resuming: training, registry: .standard)
    #expect(classifier.configuration.model == kind)
    #expect(throws: Never.self) {
      try classifier.resume(training: .annotated(Fixture.training), epochs: 1, observer: nil)
    }
    #expect(training.state.epochsTrained == 3)
  }

  @Test("damaged models give errors naming the file")
  func damagedModels() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let trained = try Fixture.trained(Fixture.options(epochs: 1))
    func fresh(_ name: String) throws -> URL {
      let folder = directory.appendingPathComponent(name)
      try SavedModel.save(trained, to: folder)
      return folder
    }
    func expectError(_ folder: URL, mentioning text: String) {
      do {
        _ = try SavedModel.load(from: folder, registry: .standard, for: .inference)
        Issue.record("expected an error for \(folder.lastPathComponent)")
      } catch {
        #expect("\(error)".contains(text), "\(error)")
      }
    }
    func edit(_ folder: URL, _ change: (String) -> String) throws {
      let manifest = folder.appendingPathComponent("manifest.json")
      try change(try String(contentsOf: manifest, encoding: .utf8))
        .write(to: manifest, atomically: true, encoding: .utf8)
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
    try edit(format) { $0.replacingOccurrences(of: "losskit-model/2", with: "losskit-model/9") }
    expectError(format, mentioning: "losskit-model/9")

    let shape = try fresh("shape")
    try edit(shape) { $0.replacingOccurrences(of: "\"buckets\" : 1024", with: "\"buckets\" : 512") }
    expectError(shape, mentioning: "has shape [1024, 3], but the model needs [512, 3]")

    let escape = try fresh("escape")
    try edit(escape) { $0.replacingOccurrences(of: "\"weights.safetensors\"", with: "\"../escape/weights.safetensors\"") }
    expectError(escape, mentioning: "not a plain file name")

    let labels = try fresh("labels")
    try edit(labels) { $0.replacingOccurrences(of: "\"Description\"", with: "\"Misc\"") }
    expectError(labels, mentioning: "listed twice")

    let kind = try fresh("kind")
    try edit(kind) { $0.replacingOccurrences(of: "\"kind\" : \"logistic\"", with: "\"kind\" : \"logistik\"") }
    expectError(kind, mentioning: "unknown model kind 'logistik'")
  }

  @Test("a model reloaded in a new process predicts the same", .enabled(if: FileManager.default.fileExists(atPath: Fixture.executable.path), "skipped: the losskit executable is not built"))
  func newProcess() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let trained = try Fixture.trained(Fixture.options())
    try DirectoryStore(directory: directory).save(trained, named: "synthetic")
    let page = directory.appendingPathComponent("page.txt")
    let lines = Fixture.test[0].lines.prefix(20).map(\.text)
    try lines.joined(separator: "\n").write(to: page, atomically: true, encoding: .utf8)
    let (output, status) = try Fixture.run(
      Fixture.executable, ["predict", "--model", "synthetic", "--data", page.path],
      environment: ["LOSSKIT_MODELS": directory.path])
    #expect(status == 0, "\(output)")
    let document = AnnotatedDocument(path: "page", lines: lines.enumerated().map {
      AnnotatedLine(text: $1, label: "", rawLabel: "", lineNumber: $0 + 1) })
    let probabilities = try Fixture.probabilities(trained, [document])
    let labels = trained.targets[0].labels
    let expected = (0..<lines.count).map { row -> String in
      let scores = probabilities[(row * 3)..<((row + 1) * 3)]
      let best = scores.indices.max { scores[$0] < scores[$1] }! - row * 3
      return labels[best] + "\t" + scores.map { String(format: "%.6f", $0) }.joined(separator: "\t")
    }
    #expect(output.split(separator: "\n").map(String.init) == expected)
    let (first, _) = try Fixture.run(Fixture.executable, ["inspect", "synthetic"], environment: ["LOSSKIT_MODELS": directory.path])
    let (second, _) = try Fixture.run(Fixture.executable, ["inspect", directory.appendingPathComponent("synthetic").path + "/"])
    #expect(first == second && first.contains("labels (collapsed, 3 classes): Nomenclature, Description, Misc"))
  }
}

@Suite struct DirectoryStoreTests {
  @Test func saveListLoadDelete() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    let trained = try Fixture.trained(Fixture.options(epochs: 1))
    try store.save(trained, named: "first")
    try store.save(trained, named: "second.v2")
    #expect(try store.names() == ["first", "second.v2"])
    #expect(try store.load(named: "first", registry: .standard, for: .inference).targets == trained.targets)
    #expect(try store.manifest(named: "second.v2").model.component.kind == "logistic")
    try store.remove(named: "first")
    #expect(throws: ArchiveError.notFound(name: "first", store: directory.path, available: ["second.v2"])) {
      try store.load(named: "first", registry: .standard, for: .inference)
    }
  }

  @Test("names cannot escape the store", arguments: ["../outside", ".hidden", "a/b", "", "x y"])
  func invalidNames(_ name: String) {
    #expect(throws: ArchiveError.self) { try DirectoryStore(directory: URL(fileURLWithPath: "/tmp")).url(for: name) }
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
