import Foundation
import LossKit
import Testing

/// Damaged safetensors files: each is a thrown error naming the file, the tensor and the fix.
@Suite struct SafetensorsValidationTests {
  /// A file with the given header text and `dataBytes` zero bytes of data.
  static func file(_ header: String, dataBytes: Int = 0) -> Data {
    var data = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(Data(header.utf8))
    data.append(Data(count: dataBytes))
    return data
  }

  /// The message of the error decoding `data` throws.
  static func message(_ data: Data) -> String {
    do {
      _ = try Safetensors.decode(data, path: "/m/weights.safetensors")
      return "no error"
    } catch let error as ArchiveError {
      return error.description
    } catch {
      return "not an ArchiveError: \(error)"
    }
  }

  static let damaged: [(header: String, dataBytes: Int, mentions: String)] = [
    (
      #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#, 16,
      "tensor 'w' has shape [4611686018427387904, 4]"
    ),
    (
      #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, 0,
      "tensor 'w' has shape"
    ),
    (
      #"{"w":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}}"#, 16,
      "shape entries must be non-negative integers, found -1.0"
    ),
    (
      #"{"w":{"dtype":"F32","shape":[3,1e15],"data_offsets":[0,4]}}"#, 4,
      "more elements than the 4 bytes of data can hold"
    ),
    (#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, 4, "found 1.5"),
    (
      #"{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#, 8,
      "'shape' is missing or not a list of numbers"
    ),
    (#"{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}"#, 4, "found 1e+300"),
    (#"{"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}}"#, 16, "'shape' is missing"),
    (
      #"{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, 4,
      "tensor 'w' is BF16; LossKit reads F32 and F16 tensors only: convert the weights to float32"
    ),
    (#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, 8, "'dtype' is missing"),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}"#, 8, "'data_offsets' must be"),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, 8, "spans bytes [8, 0)"),
    (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}"#, 8, "spans bytes [0, 12) of 8"),
    (
      #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#, 16,
      "tensor 'w' spans bytes [0, 8) of 16, but its shape [4] needs 16 bytes"
    ),
    (
      #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8,
      "tensor 'w' has shape [3]: more elements than the 8 bytes"
    ),
    (
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
        + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
      12, "tensors 'a' and 'b' overlap"
    ),
    (
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8,
      "bytes 0..<4 of the data belong to no tensor"
    ),
    (
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8,
      "bytes 4..<8 of the data belong to no tensor"
    ),
    (
      #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
        + #""a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
      8, "an entry is missing or listed twice"
    ),
    (#"{"a":[1,2]}"#, 0, "tensor 'a': its header entry is not an object"),
    (
      #"{"__metadata__":{"format":3}}"#, 0,
      "'__metadata__' must be an object that maps names to strings"
    ),
    (#"{"__metadata__":[]}"#, 0, "'__metadata__' must be an object that maps names to strings"),
    (#"[1,2,3]"#, 0, "header is not a JSON object"),
    (#"{"a":"#, 0, "header is not a JSON object"),
    ("\u{FF}", 0, "header is not a JSON object"),
  ]

  @Test(
    "a damaged header is an error naming the file, the problem and the fix",
    arguments: damaged.indices)
  func damagedHeader(_ index: Int) {
    let (header, dataBytes, mentions) = Self.damaged[index]
    let text = Self.message(Self.file(header, dataBytes: dataBytes))
    #expect(text.hasPrefix("/m/weights.safetensors is damaged: "), "\(text)")
    #expect(text.contains(mentions), "\(text)")
    if !mentions.contains("float32") { #expect(text.hasSuffix("save the model again"), "\(text)") }
  }

  @Test(
    "a header length beyond the file or the cap is an error, whatever its value",
    arguments: [UInt64(9), 1 << 20, UInt64(Int.max), UInt64.max])
  func headerLength(_ length: UInt64) {
    var data = Data()
    withUnsafeBytes(of: length.littleEndian) { data.append(contentsOf: $0) }
    data.append(Data("{}".utf8))
    #expect(Self.message(data).contains("the header claims \(length) bytes"))
  }

  @Test func aHeaderOverTheCapIsRefusedBeforeItIsParsed() {
    var data = Data()
    let length = UInt64(Safetensors.maximumHeaderLength + 1)
    withUnsafeBytes(of: length.littleEndian) { data.append(contentsOf: $0) }
    data.append(Data(count: Safetensors.maximumHeaderLength + 1))
    #expect(Self.message(data).contains("more than the 100000000"))
  }

  @Test("files too short for the length are errors", arguments: [0, 1, 7])
  func tooShort(_ count: Int) {
    #expect(Self.message(Data(count: count)).contains("\(count) bytes is too short"))
  }

  @Test("valid edge cases decode: empty header, zero-size tensors, metadata only")
  func validEdges() throws {
    #expect(try Safetensors.decode(Self.file("{}"), path: "w").tensors.isEmpty)
    let zero =
      #"{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"#
      + #""s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#
    let decoded = try Safetensors.decode(Self.file(zero, dataBytes: 4), path: "w")
    #expect(decoded.tensors["e"]?.shape == [0, 3] && decoded.tensors["s"]?.shape == [])
    let metadata = try Safetensors.decode(Self.file(#"{"__metadata__":{"a":"b"}}"#), path: "w")
    #expect(metadata.metadata == ["a": "b"])
  }

  @Test("decoding a slice of a larger buffer reads the slice")
  func slice() throws {
    let tensors = ["a": try Tensor(shape: [3], scalars: [1, 2, 3])]
    let encoded = try Safetensors.encode(tensors)
    let padded = Data([9, 9, 9]) + encoded
    #expect(try Safetensors.decode(padded.dropFirst(3), path: "w").tensors == tensors)
  }

  @Test(
    "encoding is byte-identical to the files saved by earlier versions",
    arguments: ["v1-logistic", "v1-bilstm"])
  func byteIdenticalEncoding(_ fixture: String) throws {
    let url = try #require(
      Bundle.module.url(
        forResource: "weights", withExtension: "safetensors", subdirectory: "Fixtures/\(fixture)"))
    let original = try Data(contentsOf: url)
    let decoded = try Safetensors.decode(original, path: url.path)
    #expect(try Safetensors.encode(decoded.tensors, metadata: decoded.metadata) == original)
  }

  @Test("decoding time grows linearly with the number of tensors")
  func linearTime() throws {
    func file(_ count: Int) -> Data {
      let entries = (0..<count).map {
        "\"t\($0)\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\(4 * $0),\(4 * $0 + 4)]}"
      }
      return Self.file("{" + entries.joined(separator: ",") + "}", dataBytes: 4 * count)
    }
    let (smallFile, largeFile) = (file(1_000), file(8_000))
    var small = Duration.seconds(1_000)
    var large = Duration.seconds(1_000)
    // Interleaved, each size's fastest of five: another process on the machine slows single
    // runs, not the fastest of several.
    for _ in 0..<5 {
      small = min(small, try ContinuousClock().measure { _ = try Safetensors.decode(smallFile, path: "w") })
      large = min(large, try ContinuousClock().measure { _ = try Safetensors.decode(largeFile, path: "w") })
    }
    // Linear work gives a ratio near 8, quadratic work near 64.
    #expect(large / small < 32, "1000 tensors: \(small), 8000 tensors: \(large)")
  }
}
