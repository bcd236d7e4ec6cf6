import ArgumentParser
import Foundation
import LossKit
import LossKitRedis

/// `losskit export`: an inference-only copy of a saved model.
struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Write an inference-only copy of a saved model: no optimizer state or last-epoch weights, optionally float16 weights or one file.",
    discussion: """
      SOURCE and DESTINATION are names in the store, folder paths (containing '/') or \
      redis://HOST:PORT[/DB]/NAME; with --single-file, DESTINATION is a file path. \
      --float16 stores the weights as F16 only if the macro F1 of every head on --data (the \
      validation data) moves by at most --max-f1-change, and prints how much it moved.
      """)

  @Argument(help: "The saved model to export.")
  var source: String

  @Argument(help: "Where to write the export.")
  var destination: String

  @Flag(name: .long, help: "Store the weights as float16 (half the size), checked on --data.")
  var float16 = false

  @Option(
    name: .long,
    help:
      "Labelled data (the validation data) to check --float16 on: .ann or CSV files, directories or globs (repeatable)."
  )
  var data: [String] = []

  @Option(name: .long, help: "The largest change of a head's macro F1 that --float16 accepts.")
  var maxF1Change: Double = InferenceExport.defaultTolerance

  @Flag(
    name: .long,
    help:
      "Write one file (safetensors with the manifest in its metadata): what the C API and Python open from bytes."
  )
  var singleFile = false

  @OptionGroup var storeOptions: StoreOptions

  func validate() throws {
    if !data.isEmpty, !float16 {
      throw ValidationError("--data is only read to check --float16; drop it or add --float16")
    }
    guard maxF1Change >= 0, maxF1Change.isFinite else {
      throw ValidationError("--max-f1-change \(maxF1Change) must be a number ≥ 0, e.g. 0.002")
    }
  }

  func run() throws {
    let registry = try storeOptions.registry()
    let origin = try storeOptions.source(source)
    let files = try origin.files()
    let trained = try SavedModel.decode(
      files, source: origin.path, registry: registry, for: .inference)
    let export = try InferenceExport(
      trained, elementType: float16 ? .float16 : .float32,
      checkingOn: try DataOptions.load(data), tolerance: maxF1Change, registry: registry)
    let written: Int
    let place: String
    if singleFile {
      let buffer = try SingleFileModel.join(export.files, source: origin.path)
      let url = URL(fileURLWithPath: destination)
      do {
        try buffer.write(to: url, options: .atomic)
      } catch {
        throw ArchiveError.writeFailed(path: url.path, reason: error.localizedDescription)
      }
      written = buffer.count
      place = url.path
    } else {
      let (store, name) = try storeOptions.locate(destination)
      try store.write(export.files, named: name)
      written = export.files.byteCount
      place = "'\(name)' in \(store.location)"
    }
    let share = 100 * Double(written) / Double(max(files.byteCount, 1))
    print(
      "Exported \(origin) for inference (\(export.elementType.rawValue) weights) to \(place): "
        + "\(written) bytes, \(String(format: "%.1f", share))% of the \(files.byteCount) bytes "
        + "of the source")
    if let check = export.check {
      print(
        "float16 check on \(check.rowCount) rows of \(data.joined(separator: " ")): macro F1 "
          + "\(check.description), largest change \(String(format: "%.4f", check.largestChange)) "
          + "(at most \(maxF1Change) allowed)")
    }
  }
}
