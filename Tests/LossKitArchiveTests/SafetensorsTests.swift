import Foundation
import LossKit
import Testing

@Suite struct SafetensorsTests {
  @Test("the layout: little-endian header length, JSON header, packed little-endian data")
  func layout() throws {
    let tensors = ["b": try Tensor(shape: [2], scalars: [1, -2]), "a": try Tensor(shape: [1, 1], scalars: [0.5])]
    let data = try Safetensors.encode(tensors, metadata: ["format": "x"])
    let length = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    #expect((8 + Int(length)) % 8 == 0)
    let header = try JSONSerialization.jsonObject(with: data[8..<(8 + Int(length))]) as! [String: Any]
    #expect((header["a"] as! [String: Any])["data_offsets"] as! [Int] == [0, 4])
    #expect((header["b"] as! [String: Any])["data_offsets"] as! [Int] == [4, 12])
    #expect(data.count == 8 + Int(length) + 12)
    let decoded = try Safetensors.decode(data, path: "w")
    #expect(decoded.tensors == tensors && decoded.metadata == ["format": "x"])
  }

  @Test("a truncated file is an error naming it")
  func truncated() throws {
    let data = try Safetensors.encode(["a": Tensor(shape: [100])])
    #expect(throws: ArchiveError.self) { try Safetensors.decode(data.prefix(data.count - 10), path: "weights.safetensors") }
    do {
      _ = try Safetensors.decode(data.prefix(5), path: "weights.safetensors")
    } catch {
      #expect("\(error)".contains("weights.safetensors"))
    }
  }
}
