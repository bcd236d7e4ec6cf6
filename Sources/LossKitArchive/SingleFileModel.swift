import Foundation

/// A saved model in one buffer: its `weights.safetensors` with the manifest under the
/// header's `__metadata__` key `losskit.manifest`.
///
/// A folder or a Redis store keeps a model as several files; a single buffer is what a
/// program passes to the C API, ships in a package or stores under one key of its own.
/// The buffer is a valid safetensors file, so Python's `safetensors` reads its weights, and
/// `json.loads(metadata["losskit.manifest"])` its manifest. Bundled loss libraries
/// (`plugins/`) have no place in it: it is for models exported for inference.
///
/// ```swift
/// let buffer = try SingleFileModel.join(files)        // losskit export … --single-file
/// let same = try SingleFileModel.split(buffer, path: "model.safetensors")
/// ```
public enum SingleFileModel {
  /// The metadata key that holds the manifest.
  public static let manifestKey = "losskit.manifest"

  /// The model's files as one buffer: the weights file with the manifest added to its
  /// header (the tensors' bytes are copied unchanged, whatever their dtype).
  ///
  /// - Throws: ``ArchiveError/missingFile(path:)`` without a manifest or weights,
  ///   ``ArchiveError/writeFailed(path:reason:)`` for bundled libraries, and
  ///   ``ArchiveError/corrupt(path:reason:)`` for weights that are not safetensors.
  public static func join(_ files: ModelFiles, source: String = "model") throws -> Data {
    guard let manifest = files[SavedModel.manifestFile] else {
      throw ArchiveError.missingFile(path: "\(source)/\(SavedModel.manifestFile)")
    }
    let manifestPath = "\(source)/\(SavedModel.manifestFile)"
    let weightsName = try SavedModel.manifest(manifest, path: manifestPath).weightsFile
    guard DirectoryStore.isPlainFileName(weightsName), let weights = files[weightsName] else {
      throw ArchiveError.missingFile(path: "\(source)/\(weightsName)")
    }
    if let library = files.files.keys.sorted().first(where: {
      $0.hasPrefix(SavedModel.pluginsFolder + "/")
    }) {
      throw ArchiveError.writeFailed(
        path: "\(source)/\(library)",
        reason: "a single-file model cannot hold bundled loss libraries; export it for "
          + "inference (`losskit export`), which needs none")
    }
    let path = "\(source)/\(weightsName)"
    let (parsed, body) = try parts(of: weights, path: path)
    var header = parsed
    var metadata = header["__metadata__"] as? [String: Any] ?? [:]
    metadata[manifestKey] = String(decoding: manifest, as: UTF8.self)
    header["__metadata__"] = metadata
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
    var data = Data(capacity: 8 + json.count + body.count)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    data.append(body)
    return data
  }

  /// The files of a single-file model: `manifest.json` from the header, and the buffer
  /// itself as the weights file the manifest names.
  ///
  /// - Throws: ``ArchiveError/corrupt(path:reason:)`` naming `path` when the buffer is not
  ///   a safetensors file or carries no LossKit manifest.
  public static func split(_ data: Data, path: String) throws -> ModelFiles {
    let (header, _) = try parts(of: data, path: path)
    guard let metadata = header["__metadata__"] as? [String: Any],
      let manifest = metadata[manifestKey] as? String
    else {
      throw ArchiveError.corrupt(
        path: path,
        reason: "a safetensors file without a LossKit manifest (metadata '\(manifestKey)'); "
          + "write single-file models with `losskit export SOURCE FILE --single-file`")
    }
    let manifestData = Data(manifest.utf8)
    let weightsName = try SavedModel.manifest(
      manifestData, path: "\(path) (its \(manifestKey))"
    ).weightsFile
    guard DirectoryStore.isPlainFileName(weightsName) else {
      throw ArchiveError.corrupt(
        path: path, reason: "its manifest names the weights file '\(weightsName)'")
    }
    return ModelFiles([SavedModel.manifestFile: manifestData, weightsName: data])
  }

  /// A safetensors buffer's header as JSON and the tensor bytes after it; the header's
  /// length is checked against the buffer before anything is read.
  static func parts(of data: Data, path: String) throws -> ([String: Any], Data) {
    func corrupt(_ reason: String) -> ArchiveError {
      .corrupt(
        path: path,
        reason: reason + "; it is not a LossKit model (export one with "
          + "`losskit export SOURCE FILE --single-file`)")
    }
    guard data.count >= 8 else { throw corrupt("\(data.count) bytes is too short") }
    let length = data.prefix(8).withUnsafeBytes {
      UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))
    }
    guard length <= UInt64(min(data.count - 8, Safetensors.maximumHeaderLength)) else {
      throw corrupt(
        "its first 8 bytes announce a \(length)-byte header, but \(data.count - 8) bytes "
          + "follow (at most \(Safetensors.maximumHeaderLength) are accepted)")
    }
    let start = data.startIndex + 8
    let end = start + Int(length)
    guard let header = try? JSONSerialization.jsonObject(with: data[start..<end]) as? [String: Any]
    else { throw corrupt("its header is not a JSON object") }
    return (header, data[end...])
  }
}
