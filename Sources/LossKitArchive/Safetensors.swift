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
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)`` for a value `elementType` cannot
  ///   hold.
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
      header[name] = [
        "dtype": elementType.rawValue, "shape": tensor.shape,
        "data_offsets": [offset, offset + bytes],
      ]
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

  /// Decodes every tensor and the metadata, validating the layout before anything is sized
  /// from it (see ``Header``): the header's length, its JSON, each tensor's dtype, shape and
  /// offsets, and that the tensors tile the data exactly. The work and memory are linear in
  /// the file's length.
  ///
  /// - Throws: ``ArchiveError/corrupt(path:reason:)`` naming `path`, the tensor, what is wrong
  ///   and what to do.
  public static func decode(
    _ data: Data, path: String
  ) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    let header = try Header(data, path: path)
    var tensors: [String: Tensor] = [:]
    tensors.reserveCapacity(header.entries.count)
    try data.withUnsafeBytes { raw in
      for entry in header.entries {
        let start = header.dataStart + entry.begin
        guard entry.elementType == .float32 else {
          tensors[entry.name] = try Tensor(
            shape: entry.shape,
            scalars: scalars(raw, at: start, count: entry.count, as: entry.elementType))
          continue
        }
        var scalars = [Float](repeating: 0, count: entry.count)
        scalars.withUnsafeMutableBytes { destination in
          #if _endian(little)
            destination.copyMemory(
              from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + entry.byteCount)]))
          #else
            for i in 0..<entry.count {
              let bits = UInt32(
                littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))
              destination.storeBytes(
                of: Float(bitPattern: bits), toByteOffset: 4 * i, as: Float.self)
            }
          #endif
        }
        tensors[entry.name] = try Tensor(shape: entry.shape, scalars: scalars)
      }
    }
    return (tensors, header.metadata)
  }
}
