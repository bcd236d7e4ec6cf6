import Foundation
import LossKit
import Testing

/// Saves by real processes (`losskit-test-saver`): two saving one name at once, and saves
/// killed with SIGKILL at random moments. After each, the name must load, and its manifest
/// and weights must come from one save.
@Suite struct ConcurrentSaveTests {
  static var saver: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("losskit-test-saver")
  }

  static func start(_ directory: URL, writer: Int, count: Int) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = saver
    process.arguments = [directory.path, "m", "\(writer)", "\(count)"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    try process.run()
    return (process, output)
  }

  /// The stamp of the save the files come from, or `nil` when the manifest and the weights
  /// come from different saves.
  static func stamp(of files: ModelFiles) throws -> Double? {
    let manifest = try #require(files["manifest.json"])
    let json = try JSONSerialization.jsonObject(with: manifest) as? [String: Any]
    let metrics = json?["metrics"] as? [String: [String: Double]]
    let stamp = try #require(metrics?["save"]?["stamp"])
    let weights = try #require(files["weights.safetensors"])
    let tensors = try Safetensors.decode(weights, path: "weights.safetensors").tensors
    let model = tensors.filter { $0.key.hasPrefix("model/") && $0.value.count > 0 }
    guard !model.isEmpty, model.allSatisfy({ Double($0.value.scalars[0]) == stamp }) else {
      return nil
    }
    return stamp
  }

  /// Readers meanwhile must always see one whole save.
  @Test("two processes saving one name at once end with one complete model and no folders")
  func twoWriters() throws {
    try #require(FileManager.default.fileExists(atPath: Self.saver.path), "build the package first")
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    let writers = try [1, 2].map { try Self.start(directory, writer: $0, count: 25) }
    var reads = 0
    while writers.contains(where: { $0.0.isRunning }) {
      do {
        let files = try store.read(named: "m")
        #expect(try Self.stamp(of: files) != nil, "a reader saw a mixture of two saves")
        reads += 1
      } catch ArchiveError.notFound where reads == 0 {
        continue  // before the first save
      }
    }
    for (process, _) in writers {
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
    }
    let stamp = try Self.stamp(of: try store.read(named: "m"))
    #expect(stamp == 100_024 || stamp == 200_024, "\(String(describing: stamp))")
    #expect(try store.load(named: "m", registry: .standard, for: .training).targets[0].labels.count == 3)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["m"])
    #expect(reads > 0)
  }

  @Test("a save killed with SIGKILL at random moments always leaves the name loading")
  func killedSaves() throws {
    try #require(FileManager.default.fileExists(atPath: Self.saver.path), "build the package first")
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    let (first, _) = try Self.start(directory, writer: 9, count: 1)
    first.waitUntilExit()
    try #require(first.terminationStatus == 0)
    var generator = SystemRandomNumberGenerator()
    for round in 1...6 {
      let (process, output) = try Self.start(directory, writer: round, count: 0)
      var printed = Data()
      while !String(decoding: printed, as: UTF8.self).contains("saved") {
        let chunk = output.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        printed.append(chunk)
      }
      let delay = Int.random(in: 0..<40_000, using: &generator)
      usleep(useconds_t(delay))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      #expect(process.terminationReason == .uncaughtSignal, "round \(round)")
      let context = "round \(round), killed \(delay) µs after its first save"
      #expect(try Self.stamp(of: try store.read(named: "m")) != nil, "\(context)")
      #expect(throws: Never.self, "\(context)") {
        try store.load(named: "m", registry: .standard, for: .training)
      }
      #expect(try store.names() == ["m"], "\(context)")
    }
    let (last, _) = try Self.start(directory, writer: 8, count: 1)
    last.waitUntilExit()
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["m"])
  }
}
