import Foundation
import LossKit
import Testing

/// The CRF output and leave-one-group-out evaluation from the command line.
@Suite(
  .enabled(
    if: FileManager.default.fileExists(atPath: Fixture.executable.path),
    "skipped: the losskit executable is not built"))
struct CRFCommandLineTests {
  func run(_ arguments: [String]) throws -> (String, Int32) {
    try Fixture.run(Fixture.executable, arguments)
  }

  static let small = [
    "--buckets", "4096", "--hidden-size", "6", "--embedding-size", "8", "--num-layers", "1",
    "--window-size", "8", "--epochs", "2", "--seed", "1", "--quiet",
  ]

  @Test("a BiLSTM-CRF trains, saves, reloads by name and predicts what evaluate counts")
  func trainSaveReloadPredict() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let training = try CommandLineTests.pages(
      4, seed: 1, in: directory.appendingPathComponent("train"))
    let test = try CommandLineTests.pages(2, seed: 2, in: directory.appendingPathComponent("test"))
    let store = directory.appendingPathComponent("store").path
    var (output, status) = try run(
      [
        "train", "--data", training, "--crf", "--loss", "0.5*crf+0.5*focal-f1",
        "--focal-labels", "Nomenclature,Description", "--store", store, "--save", "tagger",
      ]
        + Self.small)
    #expect(status == 0, "\(output)")
    (output, status) = try run(["inspect", "--store", store, "tagger"])
    #expect(status == 0 && output.contains("crf"), "\(output)")
    let first = try run(["predict", "--store", store, "--model", "tagger", "--data", test])
    let second = try run(["predict", "--store", store, "--model", "tagger", "--data", test])
    #expect(first.1 == 0 && first.0 == second.0, "\(first.0)")
    (output, status) = try run([
      "evaluate", "--store", store, "--model", "tagger", "--data", test, "--json",
    ])
    #expect(status == 0, "\(output)")
    // evaluate's confusion counts the same labels predict prints (the Viterbi paths).
    let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
    let labels = report["labels"] as! [String]
    let confusion = report["confusion"] as! [[Int]]
    let printed = first.0.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
    for (column, label) in labels.enumerated() {
      let predicted = confusion.reduce(0) { $0 + $1[column] }
      #expect(printed.filter { $0 == label }.count == predicted, "\(label)")
    }
  }

  @Test(
    "bad CRF options are one-line errors that name the fix",
    arguments: [
      (["--crf", "--model", "mlp"], "--model bilstm"),
      (["--crf", "--loss", "focal"], "no crf term"),
      (["--loss", "crf"], "--crf"),
    ])
  func badOptions(arguments: [String], expected: String) throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let training = try CommandLineTests.pages(
      1, seed: 1, in: directory.appendingPathComponent("train"))
    let (output, status) = try run(["train", "--data", training, "--quiet"] + arguments)
    #expect(status != 0)
    #expect(output.contains(expected), "\(output)")
  }

  @Test("crossval holds out each journal in turn and prints per-journal F1 as JSON")
  func crossValidation() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    _ = try CommandLineTests.pages(2, seed: 1, in: directory.appendingPathComponent("A/Vol1"))
    _ = try CommandLineTests.pages(2, seed: 2, in: directory.appendingPathComponent("B/Vol7"))
    let store = directory.appendingPathComponent("store").path
    var (output, status) = try run(
      [
        "crossval", "--group", "journal", "--data", directory.path, "--json", "--save", "lojo",
        "--store", store,
      ] + Self.small)
    #expect(status == 0, "\(output)")
    let result = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
    let folds = result["folds"] as! [[String: Any]]
    #expect(folds.map { $0["group"] as! String } == ["A", "B"])
    #expect(
      folds.map { $0["test_rows"] as! Int } == folds.reversed().map { $0["training_rows"] as! Int })
    #expect(folds.allSatisfy { ($0["test_rows"] as! Int) > 100 }, "\(folds)")
    let mean = result["mean"] as! [String: [String: Double]]
    #expect(mean["labels"]?["Nomenclature_f1"] != nil)
    // Each fold's model is saved under the group it never saw.
    (output, status) = try run(["models", "--store", store])
    #expect(output.contains("lojo-A") && output.contains("lojo-B"), "\(output)")
    (output, status) = try run([
      "crossval", "--data", directory.appendingPathComponent("A").path, "--quiet",
    ])
    #expect(status != 0 && output.contains("at least two"), "\(output)")
    (output, status) = try run(
      ["crossval", "--data", directory.path, "--hold-out", "C", "--quiet"])
    #expect(status != 0 && output.contains("no group 'C'"), "\(output)")
  }
}

@Suite struct SavedCRFModelTests {
  @Test("a BiLSTM-CRF reloads by name and decodes the same paths and marginals")
  func reloadPredictsIdentically() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var options = Fixture.options("bilstm", loss: "0.5*crf+0.5*focal-f1")
    options.modelOptions["crf"] = true
    options.loss.options = ["focalLabels": ["Nomenclature", "Description"]]
    let trained = try Fixture.trained(options)
    let store = DirectoryStore(directory: directory)
    try store.save(trained, named: "crf-tagger")
    let reloaded = try store.load(named: "crf-tagger", registry: .standard, for: .inference)
    let corpus = try trained.corpus(Fixture.unlabelled(Fixture.test), labelled: false)
    let before = try trained.scores(corpus)["labels"]!
    let after = try reloaded.scores(corpus)["labels"]!
    #expect(before.decoded != nil && before.decoded == after.decoded)
    #expect(before.probabilities == after.probabilities)
  }
}
