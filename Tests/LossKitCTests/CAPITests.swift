import Foundation
import LossKit
import LossKitC
import Testing

/// The C API called as C would call it: opening, labels, predictions, bad input, threads.
@Suite struct CAPITests {
  /// The lines of a synthetic page.
  static let lines = SyntheticPages(pages: 1, linesPerPage: 37, seed: 9).documents()[0].lines
    .map(\.text)

  /// A small BiLSTM (windows of 8, stride 4) trained on synthetic pages, saved in a folder
  /// and as a single file, with its own predictions for ``lines``.
  static let model: (expected: HeadPredictions, folder: URL, singleFile: Data) = {
    var options = LineClassifierConfiguration()
    options.model = "bilstm"
    options.trainer.epochs = 2
    options.modelOptions = ["hiddenSize": 6, "embeddingSize": 6, "numLayers": 1]
    options.windowSize = 8
    options.featurizer = LineFeaturizer(buckets: 1 << 10)
    let classifier = try! LineClassifier(options, registry: .standard)
    _ = try! classifier.fit(
      training: .annotated(SyntheticPages(pages: 4, linesPerPage: 60, seed: 1).documents()),
      observer: nil)
    let trained = classifier.trained!
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("losskit-c-\(UUID().uuidString)/model")
    try! SavedModel.save(trained, to: folder)
    let files = try! InferenceExport(trained, registry: .standard).files
    return (try! trained.predictions(lines: lines)[0], folder, try! SingleFileModel.join(files))
  }()

  /// Opens a model or fails the test with the API's message.
  func open(_ source: String) throws -> OpaquePointer {
    var error: UnsafeMutablePointer<CChar>?
    guard let model = losskit_model_open(source, nil, &error) else {
      defer { losskit_string_free(error) }
      throw CAPIFailure(message: String(cString: error!))
    }
    return model
  }

  /// Calls `losskit_model_predict` on `lines`; returns the labels and probabilities, or the
  /// error message.
  func predict(_ model: OpaquePointer, _ lines: [[UInt8]]) -> Result<
    ([Int32], [Float]), CAPIFailure
  > {
    let width = losskit_model_probability_width(model)
    let heads = losskit_model_head_count(model)
    var labels = [Int32](repeating: -7, count: lines.count * heads)
    var probabilities = [Float](repeating: -7, count: lines.count * width)
    var error: UnsafeMutablePointer<CChar>?
    let buffers = lines.map { bytes -> UnsafeMutablePointer<CChar> in
      let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
      bytes.withUnsafeBytes {
        UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: bytes.count)
      }
      return buffer
    }
    defer { buffers.forEach { $0.deallocate() } }
    let pointers: [UnsafePointer<CChar>?] = buffers.map { UnsafePointer($0) }
    let lengths = lines.map(\.count)
    let status = losskit_model_predict(
      model, pointers, lengths, lines.count, &labels, &probabilities, &error)
    guard status == 0 else {
      defer { losskit_string_free(error) }
      #expect(labels.allSatisfy { $0 == -7 } && probabilities.allSatisfy { $0 == -7 })
      return .failure(CAPIFailure(message: String(cString: error!)))
    }
    return .success((labels, probabilities))
  }

  func utf8(_ lines: [String]) -> [[UInt8]] { lines.map { Array($0.utf8) } }

  @Test("a folder opens with its heads and classes, and predicts what TrainedModel predicts")
  func folderPredictsAsTheLibrary() throws {
    let model = try open(Self.model.folder.path)
    defer { losskit_model_free(model) }
    #expect(losskit_model_head_count(model) == 1)
    #expect(String(cString: losskit_model_head_name(model, 0)!) == "labels")
    let classes = (0..<losskit_model_class_count(model, 0)).map {
      String(cString: losskit_model_class_name(model, 0, $0)!)
    }
    #expect(classes == Self.model.expected.labelNames)
    #expect(
      losskit_model_head_name(model, 1) == nil && losskit_model_class_name(model, 0, 9) == nil)
    let expected = Self.model.expected
    let (labels, probabilities) = try predict(model, utf8(Self.lines)).get()
    #expect(labels == expected.classIndices)
    #expect(probabilities == expected.probabilities.scalars)
  }

  @Test("a single-file buffer opens and predicts the same as the folder")
  func bytesPredictLikeTheFolder() throws {
    var error: UnsafeMutablePointer<CChar>?
    let buffer = Self.model.singleFile
    let model = try #require(
      buffer.withUnsafeBytes {
        losskit_model_open_bytes($0.baseAddress, $0.count, &error)
      })
    defer { losskit_model_free(model) }
    let folder = try open(Self.model.folder.path)
    defer { losskit_model_free(folder) }
    let fromBytes = try predict(model, utf8(Self.lines)).get()
    let fromFolder = try predict(folder, utf8(Self.lines)).get()
    #expect(fromBytes.0 == fromFolder.0 && fromBytes.1 == fromFolder.1)
  }

  @Test("an unknown path, a refused Redis connection and NULL fail with a message")
  func openFailures() throws {
    #expect(throws: CAPIFailure.self) { try open("/nonexistent/losskit/model") }
    do {
      _ = try open("/nonexistent/losskit/model")
    } catch let failure as CAPIFailure {
      #expect(failure.message.contains("no model named 'model' in /nonexistent/losskit"))
    }
    do {
      _ = try open("redis://127.0.0.1:1/0/skol")
    } catch let failure as CAPIFailure {
      #expect(failure.message.contains("connection refused"), "\(failure.message)")
    }
    do {
      _ = try open("redis://127.0.0.1:6379")
    } catch let failure as CAPIFailure {
      #expect(failure.message.contains("names no model"), "\(failure.message)")
    }
    var error: UnsafeMutablePointer<CChar>?
    #expect(losskit_model_open(nil, nil, &error) == nil)
    #expect(String(cString: error!).contains("source is NULL"))
    losskit_string_free(error)
    #expect(losskit_model_open("/nonexistent/x", nil, nil) == nil)
  }

  @Test(
    "corrupt bytes fail with a message naming the problem",
    arguments: [
      (Data(), "too short"),
      (Data("not a model at all, just text".utf8), "header"),
      (Data([8, 0, 0, 0, 0, 0, 0, 0] + Array("{\"a\":1}  ".utf8)), "without a LossKit manifest"),
    ])
  func corruptBytes(bytes: Data, expected: String) throws {
    var error: UnsafeMutablePointer<CChar>?
    let model = bytes.withUnsafeBytes {
      losskit_model_open_bytes($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8), $0.count, &error)
    }
    #expect(model == nil)
    let message = String(cString: try #require(error))
    losskit_string_free(error)
    #expect(message.contains(expected), "\(message)")
  }

  @Test("a single file cut short or with damaged weights fails with a message")
  func truncatedBytes() throws {
    let whole = Self.model.singleFile
    for cut in [whole.count / 2, whole.count - 1, 100] {
      var error: UnsafeMutablePointer<CChar>?
      let model = whole.prefix(cut).withUnsafeBytes {
        losskit_model_open_bytes($0.baseAddress, $0.count, &error)
      }
      #expect(model == nil)
      #expect(error != nil)
      losskit_string_free(error)
    }
  }

  @Test("an empty document succeeds with nothing written")
  func emptyDocument() throws {
    let model = try open(Self.model.folder.path)
    defer { losskit_model_free(model) }
    var error: UnsafeMutablePointer<CChar>?
    #expect(losskit_model_predict(model, nil, nil, 0, nil, nil, &error) == 0 && error == nil)
    let (labels, probabilities) = try predict(model, []).get()
    #expect(labels.isEmpty && probabilities.isEmpty)
  }

  @Test("non-UTF-8 text, a line break inside a line and NULL buffers fail, writing nothing")
  func badLines() throws {
    let model = try open(Self.model.folder.path)
    defer { losskit_model_free(model) }
    var lines = utf8(["Boletus edulis Bull.", "Pileus convex"])
    lines[1] += [0xC3, 0x28]
    guard case .failure(let failure) = predict(model, lines) else {
      Issue.record("non-UTF-8 text was accepted")
      return
    }
    #expect(
      failure.message.contains("line 2 is not valid UTF-8 (byte 13 of 15)"), "\(failure.message)")
    guard case .failure(let broken) = predict(model, utf8(["one\ntwo"])) else {
      Issue.record("a line break inside a line was accepted")
      return
    }
    #expect(broken.message.contains("line break"), "\(broken.message)")
    var error: UnsafeMutablePointer<CChar>?
    #expect(losskit_model_predict(model, nil, nil, 3, nil, nil, &error) == -1)
    #expect(String(cString: error!).contains("must not be NULL"))
    losskit_string_free(error)
    #expect(losskit_model_predict(nil, nil, nil, 0, nil, nil, nil) == -1)
  }

  @Test("two threads predicting on one model get what one thread gets")
  func twoThreads() throws {
    let model = try open(Self.model.folder.path)
    defer { losskit_model_free(model) }
    let documents = SyntheticPages(pages: 6, linesPerPage: 50, seed: 4).documents().map {
      utf8($0.lines.map(\.text))
    }
    let expected = try documents.map { try predict(model, $0).get() }
    let shared = UncheckedPointer(model)
    let results = ResultsBox(count: 2)
    DispatchQueue.concurrentPerform(iterations: 2) { thread in
      var mine: [([Int32], [Float])] = []
      for _ in 0..<5 {
        for document in documents {
          if let result = try? predict(shared.pointer, document).get() { mine.append(result) }
        }
      }
      results.set(thread, mine)
    }
    for thread in 0..<2 {
      let mine = results.get(thread)
      #expect(mine.count == 5 * documents.count)
      for (index, result) in mine.enumerated() {
        #expect(result.0 == expected[index % documents.count].0)
        #expect(result.1 == expected[index % documents.count].1)
      }
    }
  }
}

/// A message the API returned.
struct CAPIFailure: Error {
  let message: String
}

/// A model pointer handed to other threads (the API is what makes that safe).
struct UncheckedPointer: @unchecked Sendable {
  let pointer: OpaquePointer
  init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Per-thread results, written once by each thread.
final class ResultsBox: @unchecked Sendable {
  private var values: [[([Int32], [Float])]]
  private let lock = NSLock()
  init(count: Int) { values = Array(repeating: [], count: count) }
  func set(_ index: Int, _ value: [([Int32], [Float])]) { lock.withLock { values[index] = value } }
  func get(_ index: Int) -> [([Int32], [Float])] { lock.withLock { values[index] } }
}
