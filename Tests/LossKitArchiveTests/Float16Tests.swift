import Foundation
import LossKitCore
import Testing

@testable import LossKitArchive

/// float16 conversions and `F16` safetensors.
@Suite struct Float16Tests {
  @Test("every binary16 value widens exactly and narrows back to the same bits")
  func everyHalfRoundTrips() {
    for bits in 0...UInt16.max {
      let value = HalfPrecision.float(bits: bits)
      if value.isNaN {
        #expect(HalfPrecision.bits(of: value) & 0x7C00 == 0x7C00)
        continue
      }
      #expect(HalfPrecision.bits(of: value) == bits, "\(bits)")
    }
  }

  #if !(os(macOS) && arch(x86_64))
    @Test("narrowing rounds as Swift's Float16 does (to nearest, ties to even, overflow to ∞)")
    func narrowingMatchesFloat16() {
      var random = SeededGenerator(seed: 11)
      var values: [Float] = [0, -0, 65504, 65519.99, 65520, -1e-8, 5.960464e-8, 2.980232e-8, 1e9]
      for _ in 0..<200_000 {
        values.append(Float(bitPattern: UInt32(truncatingIfNeeded: random.next())))
      }
      for value in values where !value.isNaN {
        #expect(HalfPrecision.bits(of: value) == Float16(value).bitPattern, "\(value)")
      }
    }
  #endif

  @Test("F16 tensors encode with dtype F16 at two bytes each and decode to the narrowed values")
  func float16Safetensors() throws {
    let tensor = try Tensor(shape: [2, 3], scalars: [1, -2.5, 0.1, 1000.25, 3e-6, 65504])
    let data = try Safetensors.encode(["w": tensor], elementType: .float16)
    let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    let header =
      try JSONSerialization.jsonObject(with: data[8..<(8 + headerLength)]) as! [String: Any]
    let entry = header["w"] as! [String: Any]
    #expect(entry["dtype"] as? String == "F16" && entry["data_offsets"] as? [Int] == [0, 12])
    #expect(data.count == 8 + headerLength + 12)
    let decoded = try Safetensors.decode(data, path: "w.safetensors").tensors["w"]!
    #expect(decoded.shape == [2, 3])
    #expect(
      decoded.scalars
        == tensor.scalars.map { HalfPrecision.float(bits: HalfPrecision.bits(of: $0)) })
    #expect(decoded.scalars[0] == 1 && decoded.scalars[1] == -2.5 && decoded.scalars[5] == 65504)
  }

  @Test("a weight beyond float16's range is an error naming the tensor, not an infinity")
  func outOfRange() throws {
    let tensor = try Tensor(shape: [2], scalars: [1, 70000])
    #expect {
      _ = try Safetensors.encode(["model/w": tensor], elementType: .float16)
    } throws: { error in
      "\(error)".contains("model/w") && "\(error)".contains("beyond float16's range")
    }
  }

  @Test("a dtype other than F32 and F16 is still refused")
  func otherTypesRefused() throws {
    var data = try Safetensors.encode(["w": try Tensor(shape: [1], scalars: [1])])
    let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "F32", with: "BF16")
    data = Data(text.utf8)
    #expect(throws: ArchiveError.self) { try Safetensors.decode(data, path: "x") }
  }
}
