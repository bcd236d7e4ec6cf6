import Foundation
import LossKitArchive

/// Model files whose bytes are a function of a seed, so a read can be checked whole.
enum SampleModels {
  /// Pseudo-random bytes from `seed` (xorshift, eight bytes at a time).
  static func bytes(_ count: Int, seed: UInt64) -> Data {
    var data = Data(count: count)
    var state = seed | 1
    data.withUnsafeMutableBytes { raw in
      let words = count / 8
      let pointer = raw.baseAddress!
      for index in 0..<words {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        pointer.storeBytes(of: state, toByteOffset: index * 8, as: UInt64.self)
      }
      for index in (words * 8)..<count {
        raw[index] = UInt8(truncatingIfNeeded: state >> index % 8)
      }
    }
    return data
  }

  /// A model: a manifest naming `seed`, weights of `weightBytes`, and a plugin.
  static func model(seed: UInt64, weightBytes: Int = 3000) -> ModelFiles {
    ModelFiles([
      "manifest.json": Data("{\"format\":\"losskit-model/2\",\"seed\":\(seed)}".utf8),
      "weights.safetensors": bytes(weightBytes, seed: seed),
      "plugins/libbrier.so": bytes(100 + Int(seed % 50), seed: seed &* 7),
    ])
  }
}
