import Foundation
import LossKit
import Testing

/// The `losskit` command line for multi-head models, optimizers, `--resume` and bad input.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: Fixture.executable.path), "skipped: the losskit executable is not built"))
struct CommandLineTests {
  /// Synthetic pages as `.ann` files; a third of the Misc lines are `Bibliography`, so the
  /// `fine` view has four classes.
  static func pages(_ count: Int, seed: UInt64, in folder: URL) throws -> String {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (index, page) in SyntheticPages(pages: count, linesPerPage: 80, seed: seed).documents().enumerated() {
      let text = page.lines.enumerated().map { position, line in
        let label = line.rawLabel == "Misc" && position % 3 == 0 ? "Bibliography" : line.rawLabel
        return "[@\(line.text)#\(label)*]"
      }.joined(separator: "\n")
      try text.write(to: folder.appendingPathComponent("p\(index).ann"), atomically: true, encoding: .utf8)
    }
    return folder.path
  }

  static let small = ["--buckets", "4096", "--quiet"]

  func run(_ arguments: [String]) throws -> (String, Int32) {
    try Fixture.run(Fixture.executable, arguments)
  }

  @Test("two heads train, evaluate per head as JSON, predict a column per head, inspect shows heads")
  func multiHead() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let training = try Self.pages(4, seed: 1, in: directory.appendingPathComponent("train"))
    let test = try Self.pages(2, seed: 2, in: directory.appendingPathComponent("test"))
    let model = directory.appendingPathComponent("mh").path
    var (output, status) = try run(
      ["train", "--data", training, "--model", "mlp", "--head", "kind=collapsed", "--head", "section=fine",
       "--min-label-lines", "2", "--loss", "0.7*focal+0.3*supcon(target=section)",
       "--weight-strategy", "balanced", "--seed", "1", "--epochs", "2", "--hidden-size", "8", "--save", model]
        + Self.small)
    #expect(status == 0, "\(output)")
    (output, status) = try run(["evaluate", "--model", model, "--data", test, "--json"])
    #expect(status == 0, "\(output)")
    let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
    let heads = report["heads"] as! [String: [String: Any]]
    #expect(Set(heads.keys) == ["kind", "section"])
    let kindClasses = heads["kind"]!["classes"] as! [String: [String: Any]]
    #expect(Set(kindClasses.keys) == ["Nomenclature", "Description", "Misc"])
    #expect(kindClasses["Nomenclature"]!["f1"] is Double && heads["section"]!["macro_f1"] is Double)
    #expect((heads["section"]!["classes"] as! [String: Any]).keys.contains("Bibliography"))
    (output, status) = try run(["predict", "--model", model, "--data", test, "--header"])
    let lines = output.split(separator: "\n")
    #expect(status == 0 && lines.first!.hasPrefix("kind\tsection\tkind:Nomenclature"))
    let rows = try LoadedData.load([test]).rowCount
    #expect(lines.count == rows + 1 && lines[1].split(separator: "\t").count == 2 + 3 + 4, "\(lines.prefix(3))")
    (output, _) = try run(["inspect", model])
    #expect(output.contains("Heads:") && output.contains("section (fine: ≥ 2 lines, else Misc, 4 classes)"), "\(output)")
    #expect(output.contains("Optimizer: adam") && output.contains("supcon (v1)"), "\(output)")
  }

  @Test("--resume for E₂ more epochs gives bit for bit the model of E₁+E₂ epochs in one run")
  func resumeIsExact() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let training = try Self.pages(5, seed: 3, in: directory.appendingPathComponent("train"))
    let common = ["--data", training, "--model", "bilstm", "--window-size", "6", "--embedding-size", "6",
                  "--num-layers", "1", "--dropout", "0.3", "--patience", "0", "--seed", "2", "--hidden-size", "8"]
      + Self.small
    var (output, status) = try run(["train", "--epochs", "4", "--save", directory.appendingPathComponent("straight").path] + common)
    #expect(status == 0, "\(output)")
    (output, status) = try run(["train", "--epochs", "2", "--save", directory.appendingPathComponent("half").path] + common)
    #expect(status == 0, "\(output)")
    (output, status) = try run(
      ["train", "--resume", directory.appendingPathComponent("half").path, "--data", training, "--epochs", "2",
       "--save", directory.appendingPathComponent("resumed").path, "--quiet"])
    #expect(status == 0, "\(output)")
    let (straight, _) = try run(["inspect", "--weights", directory.appendingPathComponent("straight").path])
    let (resumed, _) = try run(["inspect", "--weights", directory.appendingPathComponent("resumed").path])
    #expect(straight == resumed && straight.contains("model/lstm0.forward"))

    // A new loss for the new epochs replaces the saved one (the pages recipe's composite);
    // the manifest keeps both.
    (output, status) = try run(
      ["train", "--resume", directory.appendingPathComponent("half").path, "--data", training, "--epochs", "1",
       "--loss", "weighted", "--weight-strategy", "inverse", "--quiet"])
    #expect(status == 0, "\(output)")
    let manifest = try SavedModel.manifest(at: directory.appendingPathComponent("half"))
    #expect(manifest.training.lossHistory.map(\.loss.name) == ["composite", "weighted-cross-entropy"])
    #expect(manifest.training.lossHistory.map(\.firstEpoch) == [1, 3])
  }

  @Test("CSV with a text column and one label column per head trains")
  func csvHeads() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var rows = ["review,stars,battery,camera"]
    var random = SeededGenerator(seed: 5)
    for _ in 0..<300 {
      let battery = random.nextUnitFloat() < 0.3 ? "bad" : "good"
      let camera = random.nextUnitFloat() < 0.5 ? "bad" : "good"
      rows.append("\"battery \(battery), camera \(camera)\",\(Int(random.next() % 5)),\(battery),\(camera)")
    }
    let csv = directory.appendingPathComponent("reviews.csv")
    try rows.joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
    let (output, status) = try run(
      ["train", "--data", csv.path, "--test", csv.path, "--text-column", "review", "--head", "battery=battery",
       "--head", "camera=camera", "--model", "logistic", "--epochs", "6", "--learning-rate", "0.05", "--json",
       "--buckets", "1024"])
    #expect(status == 0, "\(output)")
    let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
    let heads = report["heads"] as! [String: [String: Any]]
    #expect((heads["battery"]!["macro_f1"] as! Double) > 0.9)
  }

  @Test("bad input is a one-line error naming the problem and the fix, and nothing is written",
        arguments: [
          (["--head", "kind=nope"], "'nope' is not a view of annotated pages"),
          (["--loss", "0.7*focal+0.3*supcon(target=section)"], "'section'"),
          (["--loss", "focal(temperature=2)"], "loss 'focal' has no parameter 'temperature'"),
          (["--optimizer", "adam", "--momentum", "0.9"], "optimizer 'adam' has no parameter 'momentum'"),
          (["--optimizer", "lion"], "unknown optimizer 'lion'; registered: adam, adamw, sgd"),
          (["--model", "transformer"], "unknown model kind 'transformer'"),
          (["--model", "logistic", "--window-size", "5"], "windows apply to sequence models"),
          (["--loss", "0.5*focal+0.5*focal-f1", "--focal-labels", "Nomenclatur"], "unknown label 'Nomenclatur'"),
        ])
  func badInput(arguments: [String], message: String) throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let training = try Self.pages(2, seed: 4, in: directory.appendingPathComponent("train"))
    let model = directory.appendingPathComponent("never")
    let (output, status) = try run(
      ["train", "--data", training, "--epochs", "1", "--save", model.path] + Self.small + arguments)
    #expect(status == 1, "\(output)")
    #expect(output.contains(message), "\(output)")
    #expect(output.split(separator: "\n").count == 1, "\(output)")
    #expect(!FileManager.default.fileExists(atPath: model.path))
  }

  @Test("a CSV head naming no column lists the columns")
  func csvHeadWithoutColumn() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let csv = directory.appendingPathComponent("t.csv")
    try "a,b,label\n1,2,x\n3,4,y\n".write(to: csv, atomically: true, encoding: .utf8)
    let (output, status) = try run(["train", "--data", csv.path, "--head", "kind=klass", "--model", "logistic"])
    #expect(status == 1 && output.contains("no column 'klass'; columns: a, b, label"), "\(output)")
  }

  @Test("kinds lists every loss, model kind and optimizer with version and defaults")
  func kinds() throws {
    let (output, status) = try run(["kinds", "--json"])
    #expect(status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: [[String: Any]]]
    #expect(Set(object["models"]!.map { $0["name"] as! String }) == ["bilstm", "logistic", "mlp"])
    #expect(Set(object["optimizers"]!.map { $0["name"] as! String }) == ["adam", "adamw", "sgd"])
    let focal = object["losses"]!.first { $0["name"] as? String == "focal" }!
    #expect((focal["defaults"] as! [String: Any])["gamma"] as? Double == 2)
    let bilstm = object["models"]!.first { $0["name"] as? String == "bilstm" }!
    #expect(bilstm["version"] as? Int == 3 && bilstm["minimumVersion"] as? Int == 1)
    let (text, _) = try run(["kinds"])
    #expect(text.contains("Model kinds:") && text.contains("adamw (v1)"))
  }

  @Test("help shows each option's default from the type that owns it")
  func helpDefaults() throws {
    let (output, _) = try run(["train", "--help"])
    #expect(output.contains("(default: 2.0)") && output.contains("(default: 0.1)"))
    #expect(output.contains("--optimizer") && output.contains("--head <name=view>"))
  }
}
