import Foundation
import LossKit
import LossKitTesting
import Testing

/// The `losskit` command line with native plugins and foreign functions: saved models record
/// their libraries, and `--resume` finds them again (bundled, on `LOSSKIT_PLUGIN_PATH`, or
/// loaded with `--plugin`), refusing a library whose contents differ.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: CommandLine.losskit.path), "skipped: the losskit executable is not built"))
struct CommandLinePluginTests {
  /// Synthetic pages written as `.ann` files in a new folder.
  static func pages() throws -> URL {
    let folder = try PluginBuilder.folder("pages")
    for (index, document) in SyntheticPages(pages: 3, linesPerPage: 60, seed: 3).documents().enumerated() {
      let text = document.lines.map { "[@\($0.text)#\($0.rawLabel)*]" }.joined(separator: "\n")
      try text.write(to: folder.appendingPathComponent("p\(index).ann"), atomically: true, encoding: .utf8)
    }
    return folder
  }

  static let training = ["--model", "logistic", "--epochs", "1", "--buckets", "4096", "--quiet"]

  @Test("a bundled plugin resumes with no flags; moved to LOSSKIT_PLUGIN_PATH it resumes too; rebuilt, it is refused")
  func bundledPlugin() throws {
    let work = try PluginBuilder.folder("cli-plugin")
    let pages = try Self.pages().path
    let library = try PluginBuilder.brier(in: try PluginBuilder.folder("brier"))
    let model = work.appendingPathComponent("m").path
    var (output, status) = try CommandLine.run(
      ["train", "--data", pages, "--plugin", library, "--loss", "0.5*focal+0.5*brier", "--save", model,
       "--bundle-plugins"] + Self.training)
    #expect(status == 0, "\(output)")
    let manifest = try SavedModel.manifest(at: URL(fileURLWithPath: model))
    #expect(manifest.libraries?["brier"]?.library == "libbrier.so")
    #expect(manifest.libraries?["brier"]?.sha256 == (try SHA256Digest(contentsOfFile: library).hex))
    try FileManager.default.removeItem(atPath: library)
    (output, status) = try CommandLine.run(["train", "--resume", model, "--data", pages, "--epochs", "1", "--quiet"])
    #expect(status == 0, "\(output)")

    let moved = try PluginBuilder.folder("path")
    try FileManager.default.moveItem(
      atPath: model + "/plugins/libbrier.so", toPath: moved.appendingPathComponent("libbrier.so").path)
    (output, status) = try CommandLine.run(
      ["train", "--resume", model, "--data", pages, "--epochs", "1", "--quiet"],
      environment: ["LOSSKIT_PLUGIN_PATH": moved.path])
    #expect(status == 0, "\(output)")

    (output, status) = try CommandLine.run(["train", "--resume", model, "--data", pages, "--quiet"])
    #expect(status != 0 && output.contains("libbrier.so") && output.contains(moved.path) == false)
    #expect(output.contains("LOSSKIT_PLUGIN_PATH") || output.contains("searched"), "\(output)")

    let rebuilt = try PluginBuilder.build(
      code: "#include \"losskit_plugin.h\"\nint other_code = 1;\n"
        + (try String(contentsOfFile: PluginBuilder.repository.appendingPathComponent(
          "Examples/NativePlugin/plugin/brier.c").path, encoding: .utf8)),
      fileName: "libbrier.so", in: try PluginBuilder.folder("rebuilt"))
    let digest = try SHA256Digest(contentsOfFile: rebuilt).hex
    (output, status) = try CommandLine.run(
      ["train", "--resume", model, "--data", pages, "--quiet"],
      environment: ["LOSSKIT_PLUGIN_PATH": URL(fileURLWithPath: rebuilt).deletingLastPathComponent().path])
    #expect(status != 0)
    #expect(output.contains(digest) && output.contains(manifest.libraries!["brier"]!.sha256), "\(output)")
  }

  @Test("a foreign loss trains a logistic model from the command line and resumes in a new process by its hash")
  func foreignLoss() throws {
    let work = try PluginBuilder.folder("cli-foreign")
    let pages = try Self.pages().path
    let folder = try PluginBuilder.folder("hinge")
    let library = try PluginBuilder.fixture("smooth_hinge.c", fileName: "libhinge.so", in: folder)
    let declaration = "\(library):double smooth_hinge(double prediction, double target, double margin=1)"
    let model = work.appendingPathComponent("f").path
    var (output, status) = try CommandLine.run(
      ["train", "--data", pages, "--foreign", declaration, "--loss", "focal+smooth_hinge(margin=0.5)",
       "--save", model] + Self.training)
    #expect(status == 0, "\(output)")
    let manifest = try SavedModel.manifest(at: URL(fileURLWithPath: model))
    #expect(manifest.libraries?["smooth_hinge"]?.kind == .foreign)
    (output, status) = try CommandLine.run(
      ["train", "--resume", model, "--data", pages, "--epochs", "1", "--quiet"],
      environment: ["LOSSKIT_PLUGIN_PATH": folder.path])
    #expect(status == 0, "\(output)")
    (output, status) = try CommandLine.run(["inspect", model])
    #expect(output.contains("smooth_hinge") && output.contains("\"margin\":0.5"), "\(output)")
  }

  @Test("a plugin built against ABI 1 still trains a model from the command line")
  func versionOnePlugin() throws {
    let pages = try Self.pages().path
    let library = try PluginBuilder.brierV1(in: try PluginBuilder.folder("brier-v1"))
    let model = try PluginBuilder.folder("cli-v1").appendingPathComponent("m").path
    let (output, status) = try CommandLine.run(
      ["train", "--data", pages, "--plugin", library, "--loss", "brier", "--save", model] + Self.training)
    #expect(status == 0, "\(output)")
    #expect(try SavedModel.manifest(at: URL(fileURLWithPath: model)).libraries?["brier"]?.abiVersion == 1)
  }

  @Test("the unknown-loss error on --resume lists the three ways to make a loss known")
  func unknownLossOnResume() throws {
    let work = try PluginBuilder.folder("cli-unknown")
    let pages = try Self.pages().path
    let model = work.appendingPathComponent("m").path
    var (output, status) = try CommandLine.run(
      ["train", "--data", pages, "--save", model, "--loss", "focal"] + Self.training)
    #expect(status == 0, "\(output)")
    let manifest = URL(fileURLWithPath: model).appendingPathComponent("manifest.json")
    try String(contentsOf: manifest, encoding: .utf8)
      .replacingOccurrences(of: "\"name\" : \"focal\"", with: "\"name\" : \"focal2\"")
      .write(to: manifest, atomically: true, encoding: .utf8)
    (output, status) = try CommandLine.run(["train", "--resume", model, "--data", pages, "--quiet"])
    #expect(status == 1)
    #expect(output.contains("unknown loss 'focal2'") && output.contains("--plugin")
      && output.contains("--foreign") && output.contains("registry.register"), "\(output)")
  }
}

extension CommandLine {
  /// The `losskit` executable beside the test bundle.
  static var losskit: URL { ProcessRunner.builtProgram("losskit") }

  /// Runs `losskit` and returns its combined output and exit status.
  static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (String, Int32) {
    try ProcessRunner.run(losskit, arguments, environment: environment)
  }
}
