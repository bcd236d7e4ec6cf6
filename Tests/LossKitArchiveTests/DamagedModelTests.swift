import Foundation
import LossKit
import Testing

/// The damaged-file cases of issue 12, through the command line: each exits with status 1
/// and a message naming the file, quickly and in bounded memory, never a trap.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: Fixture.executable.path), "skipped: the losskit executable is not built"))
struct DamagedModelTests {
  /// A small trained BiLSTM saved in a new folder, and a page to predict.
  static func model() throws -> (folder: URL, page: URL) {
    let directory = try Fixture.temporaryDirectory()
    var options = Fixture.options("bilstm", loss: "focal", epochs: 1)
    options.featurizer = LineFeaturizer(buckets: 256)
    let folder = directory.appendingPathComponent("m")
    try SavedModel.save(try Fixture.trained(options), to: folder)
    let page = directory.appendingPathComponent("page.txt")
    try Fixture.test[0].lines.prefix(30).map(\.text).joined(separator: "\n")
      .write(to: page, atomically: true, encoding: .utf8)
    return (folder, page)
  }

  /// The manifest as a JSON object, changed, written back.
  static func editManifest(_ folder: URL, _ change: (inout [String: Any]) -> Void) throws {
    let url = folder.appendingPathComponent("manifest.json")
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    change(&object)
    try JSONSerialization.data(withJSONObject: object).write(to: url)
  }

  /// Sets a JSON value at a dotted path of nested objects and arrays, e.g.
  /// `model.configuration.heads.0.classes`.
  static func set(_ json: String, at path: String, in object: [String: Any]) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
    func set(_ keys: ArraySlice<Substring>, in object: Any) -> Any {
      guard let key = keys.first else { return value }
      if var array = object as? [Any], let index = Int(key) {
        array[index] = set(keys.dropFirst(), in: array[index])
        return array
      }
      var dictionary = object as? [String: Any] ?? [:]
      dictionary[String(key)] = set(keys.dropFirst(), in: dictionary[String(key)] as Any)
      return dictionary
    }
    return set(path.split(separator: ".")[...], in: object) as! [String: Any]
  }

  static let cases: [(String, String, String)] = [
    ("featurizer buckets 0", "pipeline.featurizer.buckets", "0"),
    ("featurizer buckets negative", "pipeline.featurizer.buckets", "-5"),
    ("word n-grams from -1", "pipeline.featurizer.wordNgrams", "[-1, 2]"),
    ("no labels", "targets.0.labels", "[]"),
    ("a label twice", "targets.0.labels", #"["Misc", "Misc", "Description"]"#),
    ("prediction stride 0", "pipeline.windows.predictionStride", "0"),
    ("prediction stride negative", "pipeline.windows.predictionStride", "-3"),
    ("window 2^40", "pipeline.windows.size", "1099511627776"),
    ("window 0", "pipeline.windows.size", "0"),
    ("hidden size 2^40", "model.configuration.hiddenSize", "1099511627776"),
    ("classes -1", "model.configuration.heads.0.classes", "-1"),
    ("embedding table larger than the weights", "model.configuration.embeddingSize", "4096"),
    ("unknown model kind", "model.kind", #""transformer""#),
    ("weights outside the folder", "weightsFile", #""../../x""#),
    ("calibration temperature 0", "calibration.labels.temperature", "0"),
    ("format unknown", "format", #""losskit-model/9""#),
    ("model version from the future", "model.version", "99"),
    ("epochs negative", "training.trainer.epochs", "-1"),
  ]

  @Test("damaged manifests exit 1 naming the file", arguments: cases.indices)
  func damagedManifest(_ index: Int) throws {
    let (name, path, value) = Self.cases[index]
    let (folder, page) = try Self.model()
    defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
    try Self.editManifest(folder) { $0 = try! Self.set(value, at: path, in: $0) }
    let started = Date()
    let (output, status) = try Fixture.run(
      Fixture.executable, ["predict", "--model", folder.path, "--data", page.path])
    #expect(status == 1, "\(name): \(output)")
    #expect(output.contains(folder.path), "\(name): \(output)")
    #expect(output.split(separator: "\n").count == 1, "\(name): \(output)")
    #expect(Date().timeIntervalSince(started) < 5, "\(name)")
  }

  @Test("a tensor shape of 2^62 in the weights header exits 1 naming the file, for predict and inspect --weights")
  func hugeTensorShape() throws {
    let (folder, page) = try Self.model()
    defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
    let url = folder.appendingPathComponent("weights.safetensors")
    let data = try Data(contentsOf: url)
    let length = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    var header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
    let range = try #require(header.range(of: #""shape":\[256,"#, options: .regularExpression))
    header.replaceSubrange(range, with: "\"shape\":[4611686018427387904,")
    var bytes = Data(header.utf8)
    bytes.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - bytes.count % 8) % 8))
    var damaged = Data()
    withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { damaged.append(contentsOf: $0) }
    damaged.append(bytes)
    damaged.append(data[(8 + length)...])
    try damaged.write(to: url)
    for arguments in [["predict", "--model", folder.path, "--data", page.path], ["inspect", "--weights", folder.path]] {
      let (output, status) = try Fixture.run(Fixture.executable, arguments)
      #expect(status == 1 && output.contains(url.path), "\(output)")
    }
  }

  @Test("version-1 manifests with damaged fields exit 1 naming the file",
        arguments: [
          ("labels", "[]"), ("model.hyperparameters.shape.classes", "-1"),
          ("model.hyperparameters.predictionStride", "0"), ("model.hyperparameters.windowSize", "0"),
          ("featurizer.buckets", "0"),
        ])
  func damagedVersionOne(path: String, value: String) throws {
    let fixtures = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures")
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let folder = directory.appendingPathComponent("v1")
    try FileManager.default.copyItem(at: fixtures.appendingPathComponent("v1-bilstm"), to: folder)
    try Self.editManifest(folder) { $0 = try! Self.set(value, at: path, in: $0) }
    let page = directory.appendingPathComponent("page.txt")
    try "Agaricus rubescens Fr.\nPileus 3 cm.".write(to: page, atomically: true, encoding: .utf8)
    let (output, status) = try Fixture.run(
      Fixture.executable, ["predict", "--model", folder.path, "--data", page.path])
    #expect(status == 1 && output.contains(folder.path), "\(path): \(output)")
  }
}
