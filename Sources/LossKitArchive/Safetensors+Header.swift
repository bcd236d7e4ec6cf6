import Foundation
import LossKitCore

extension Safetensors {
  /// The longest header this reader accepts, in bytes: the limit of the reference
  /// implementation (`safetensors`' `MAX_HEADER_SIZE`), far above any real model's header.
  public static let maximumHeaderLength = 100_000_000

  /// A validated safetensors header: every entry's shape, element count and byte range are
  /// known to be consistent, within the file, and to tile its data exactly, so they can size
  /// allocations and loops.
  ///
  /// Checked, in order: the 8-byte length (at most the bytes that follow it and at most
  /// ``Safetensors/maximumHeaderLength``); the header is a JSON object; `__metadata__`, when
  /// present, maps names to strings; each tensor has dtype `F32` or `F16`, a shape of
  /// non-negative integers whose product (checked for overflow) times the element size is the
  /// length of its `data_offsets` range; and the ranges, sorted, cover the data from its first byte to its
  /// last with no gap and no overlap (so no tensor is listed twice).
  struct Header {
    /// One tensor's place in the file.
    struct Entry {
      var name: String
      var shape: [Int]
      var count: Int
      /// The first byte, relative to the start of the data.
      var begin: Int
      var byteCount: Int
      /// How its elements are stored.
      var elementType: ElementType = .float32
    }

    /// The tensors, ordered by their offset in the data.
    var entries: [Entry]
    /// The `__metadata__` strings.
    var metadata: [String: String]
    /// Where the data begins in the file.
    var dataStart: Int

    /// Reads and validates the header of a whole safetensors file.
    ///
    /// - Throws: ``ArchiveError/corrupt(path:reason:)`` naming `path`, the tensor and the
    ///   field.
    init(_ data: Data, path: String) throws {
      func fail(_ problem: String) -> ArchiveError {
        .corrupt(
          path: path, reason: problem + "; the weights file is damaged: save the model again")
      }
      guard data.count >= 8 else {
        throw fail("\(data.count) bytes is too short for a safetensors file (8-byte header length)")
      }
      let declared = data.withUnsafeBytes {
        UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))
      }
      let available = data.count - 8
      guard declared <= UInt64(min(available, Safetensors.maximumHeaderLength)) else {
        throw fail(
          declared > UInt64(available)
            ? "the header claims \(declared) bytes but only \(available) follow its length; "
              + "the file is truncated"
            : "the header claims \(declared) bytes, more than the "
              + "\(Safetensors.maximumHeaderLength) a safetensors header may have")
      }
      let headerLength = Int(declared)
      let start = 8 + headerLength
      let dataLength = data.count - start
      let json = data.withUnsafeBytes { Data($0[8..<start]) }
      guard let raw = try? JSONDecoder().decode(Raw.self, from: json) else {
        throw fail("the \(headerLength)-byte header is not a JSON object of tensors")
      }
      if raw.hasMetadata && raw.metadata == nil {
        throw fail("'__metadata__' must be an object that maps names to strings")
      }
      var entries: [Entry] = []
      entries.reserveCapacity(raw.tensors.count)
      for (name, entry) in raw.tensors {
        entries.append(
          try Self.entry(name, entry, dataLength: dataLength, path: path, fail: fail))
      }
      entries.sort { ($0.begin, $0.byteCount, $0.name) < ($1.begin, $1.byteCount, $1.name) }
      var covered = 0
      var previous: String?
      for entry in entries {
        if entry.begin < covered, let previous {
          throw fail(
            "tensors '\(Self.shown(previous))' and '\(Self.shown(entry.name))' overlap "
              + "(at byte \(entry.begin) of the data)")
        }
        if entry.begin > covered {
          throw fail(
            "bytes \(covered)..<\(entry.begin) of the data belong to no tensor (before "
              + "'\(Self.shown(entry.name))'); an entry is missing or listed twice")
        }
        covered = entry.begin + entry.byteCount
        if entry.byteCount > 0 { previous = entry.name }
      }
      guard covered == dataLength else {
        throw fail(
          "bytes \(covered)..<\(dataLength) of the data belong to no tensor; an entry is missing "
            + "or listed twice")
      }
      self.entries = entries
      self.metadata = raw.metadata ?? [:]
      self.dataStart = start
    }

    /// One tensor's entry, checked against the data's length.
    private static func entry(
      _ name: String, _ raw: Raw.Entry?, dataLength: Int, path: String,
      fail: (String) -> ArchiveError
    ) throws -> Entry {
      let tensor = "tensor '\(shown(name))'"
      guard let raw else {
        throw fail("\(tensor): its header entry is not an object")
      }
      guard let dtype = raw.dtype else {
        throw fail("\(tensor): 'dtype' is missing or not a string")
      }
      guard let elementType = ElementType(rawValue: dtype) else {
        throw ArchiveError.corrupt(
          path: path,
          reason: "\(tensor) is \(shown(dtype)); LossKit reads F32 and F16 tensors only: "
            + "convert the weights to float32 and save them again")
      }
      guard let shapeValues = raw.shape else {
        throw fail("\(tensor): 'shape' is missing or not a list of numbers")
      }
      var shape: [Int] = []
      shape.reserveCapacity(shapeValues.count)
      for dimension in shapeValues {
        guard let size = integer(dimension) else {
          throw fail("\(tensor): shape entries must be non-negative integers, found \(dimension)")
        }
        shape.append(size)
      }
      guard let count = Tensor.elementCount(of: shape),
        count <= dataLength / elementType.byteCount
      else {
        throw fail(
          "\(tensor) has shape \(shape): more elements than the \(dataLength) bytes of data "
            + "can hold")
      }
      let byteCount = count * elementType.byteCount
      guard let offsets = raw.offsets, offsets.count == 2,
        let begin = integer(offsets[0]), let end = integer(offsets[1])
      else {
        throw fail("\(tensor): 'data_offsets' must be two non-negative integers [begin, end]")
      }
      guard begin <= end, end <= dataLength, end - begin == byteCount else {
        throw fail(
          "\(tensor) spans bytes [\(begin), \(end)) of \(dataLength), but its shape \(shape) "
            + "needs \(byteCount) bytes")
      }
      return Entry(
        name: name, shape: shape, count: count, begin: begin, byteCount: byteCount,
        elementType: elementType)
    }

    /// A JSON number that is an exact non-negative integer representable as `Int`. (Above
    /// 2^53 a double no longer tells neighbouring integers apart, but no size or offset that
    /// large fits in a file, and the callers bound every value by the file's length.)
    private static func integer(_ number: Double) -> Int? {
      number >= 0 ? Int(exactly: number) : nil
    }

    /// A name or value as shown in a message: at most 80 characters.
    private static func shown(_ text: String) -> String {
      text.count <= 80 ? text : text.prefix(77) + "…"
    }
  }
}
