import Foundation
import LossKitCore

/// Reads and writes the safetensors layout (https://github.com/huggingface/safetensors), so
/// Python's `safetensors` or plain numpy can read LossKit's weights:
///
/// ```
/// [8 bytes: little-endian UInt64 N][N bytes: JSON header][raw little-endian tensor data]
/// header: {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, …,
///          "__metadata__": {"key": "value"}}
/// ```
///
/// Offsets are relative to the start of the data; tensors are stored in name order, packed;
/// the header is padded with spaces to a multiple of 8 bytes.
public enum Safetensors {
  /// Encodes named tensors (`F32` unless `elementType` says otherwise) and string metadata.
  ///
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)`` for a value `elementType` cannot hold.
  public static func encode(
    _ tensors: [String: Tensor], metadata: [String: String] = [:],
    elementType: ElementType = .float32
  ) throws -> Data {
    var header: [String: Any] = [:]
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      let tensor = tensors[name]!
      let bytes = tensor.count * elementType.byteCount
      header[name] = ["dtype": elementType.rawValue, "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
      offset += bytes
    }
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
    var data = Data(capacity: 8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    for name in names { try append(tensors[name]!, named: name, as: elementType, to: &data) }
    return data
  }

  /// Decodes every tensor and the metadata, validating the layout.
  ///
  /// - Throws: ``ArchiveError/corrupt(path:reason:)`` naming `path` for a truncated file, a bad
  ///   header, an unsupported dtype, or offsets outside the data.
  public static func decode(_ data: Data, path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    guard data.count >= 8 else {
      throw ArchiveError.corrupt(path: path, reason: "\(data.count) bytes is too short for a safetensors file")
    }
    let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard headerLength <= UInt64(data.count - 8) else {
      throw ArchiveError.corrupt(path: path, reason: "the header claims \(headerLength) bytes but the file has \(data.count - 8) after its length; the file is truncated")
    }
    let headerEnd = 8 + Int(headerLength)
    guard let header = try? JSONSerialization.jsonObject(with: data[8..<headerEnd]) as? [String: Any] else {
      throw ArchiveError.corrupt(path: path, reason: "the header is not a JSON object")
    }
    let dataLength = data.count - headerEnd
    var tensors: [String: Tensor] = [:]
    var metadata: [String: String] = [:]
    for (name, value) in header {
      if name == "__metadata__" {
        metadata = value as? [String: String] ?? [:]
        continue
      }
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
        offsets.count == 2
      else {
        throw ArchiveError.corrupt(path: path, reason: "tensor '\(name)' has an incomplete header entry")
      }
      guard let type = ElementType(rawValue: dtype) else {
        throw ArchiveError.corrupt(path: path, reason: "tensor '\(name)' is \(dtype); LossKit reads F32 and F16")
      }
      let count = shape.reduce(1, *)
      guard offsets[0] >= 0, offsets[1] == offsets[0] + count * type.byteCount, offsets[1] <= dataLength else {
        throw ArchiveError.corrupt(path: path, reason: "tensor '\(name)' spans bytes \(offsets) of \(dataLength); the file is truncated or inconsistent")
      }
      let scalars = data.withUnsafeBytes {
        Self.scalars($0, at: headerEnd + offsets[0], count: count, as: type)
      }
      tensors[name] = try Tensor(shape: shape, scalars: scalars)
    }
    return (tensors, metadata)
  }
}
