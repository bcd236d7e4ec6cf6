// The safetensors decoder: any bytes decode or throw, and whatever decodes survives
// re-encoding.
import Foundation
import LossKit
import LossKitFuzzing

fuzz { data in
  guard let decoded = try? Safetensors.decode(data, path: "fuzz.safetensors") else { return }
  guard let encoded = try? Safetensors.encode(decoded.tensors, metadata: decoded.metadata),
    let again = try? Safetensors.decode(encoded, path: "again.safetensors")
  else { fuzzFailure("a decoded file does not re-encode") }
  let same = again.metadata == decoded.metadata && again.tensors.count == decoded.tensors.count
    && decoded.tensors.allSatisfy { name, tensor in
      guard let other = again.tensors[name] else { return false }
      return other.shape == tensor.shape
        && other.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern)
    }
  if !same { fuzzFailure("decode(encode(decode(x))) differs from decode(x)") }
}
